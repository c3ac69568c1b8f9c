/**
 * Wait-all across Workers: the dining philosophers.
 *
 * Five philosophers sit around a table with one fork between each pair of
 * neighbours; to eat, a philosopher needs both forks beside them. Taken one
 * at a time, the forks can deadlock (everyone holds their left fork and waits
 * for the right one). Here each philosopher is a Worker that takes BOTH forks
 * with one `waitAll`: the two mutexes are acquired atomically or not at all,
 * so nobody ever sits holding one fork, and there is no deadlock.
 *
 * The main thread creates the forks (mutexes), a "start" event that lets
 * everyone begin at once, and one "done" event per philosopher; it shares
 * the device with each Worker, rings the start, and waits (asynchronously)
 * for all the "done" events with `waitAllAsync`.
 *
 * Run it: `deno task example:wait-all`
 *
 * @module
 */

import { openDevice } from "../mod.ts";

const PHILOSOPHERS = 5;
const MEALS = 3;

// "auto": the real /dev/ntsync when this process may use it, else the
// emulation (shared by all Workers of the process, like a kernel's objects).
using device = openDevice();
const t0 = performance.timeOrigin + performance.now();
const log = (at: number, who: string, what: string) =>
  console.log(
    `${(at - t0).toFixed(0).padStart(5)} ms  ${who.padEnd(13)} ${what}`,
  );

log(
  t0,
  "table",
  `${PHILOSOPHERS} philosophers, ${MEALS} meals each, on the ${device.backend.kind} backend`,
);

// Fork i lies between philosopher i (its right hand) and philosopher i+1.
const forks = Array.from({ length: PHILOSOPHERS }, () => device.createMutex());
// Manual-reset: once set, it stays signaled and lets every philosopher through.
const start = device.createEvent({ manual: true });
const done = Array.from(
  { length: PHILOSOPHERS },
  () => device.createEvent({ manual: true }),
);

const ready: Promise<void>[] = [];
const farewells: Promise<void>[] = [];
forks.forEach((_, i) => {
  const worker = new Worker(
    new URL("./wait_all_worker.ts", import.meta.url).href,
    { type: "module" },
  );
  const seated = Promise.withResolvers<void>();
  const left = Promise.withResolvers<void>();
  ready.push(seated.promise);
  farewells.push(left.promise);
  // Each philosopher reports { id, at, what } (see wait_all_worker.ts).
  worker.onmessage = (
    e: MessageEvent<{ id: number; at: number; what: string }>,
  ) => {
    const report = e.data;
    log(report.at, `philosopher ${report.id}`, report.what);
    if (report.what === "ready") seated.resolve();
    if (report.what === "is done") left.resolve();
  };
  worker.postMessage({
    device: device.share(), // the same device, reachable from the Worker
    id: i + 1, // also the mutex owner id: owners are nonzero
    forks: [forks[i].fd, forks[(i + 1) % PHILOSOPHERS].fd],
    forkNames: [i + 1, ((i + 1) % PHILOSOPHERS) + 1],
    start: start.fd,
    done: done[i].fd,
    meals: MEALS,
  });
  // The Worker closes itself when its meals are eaten.
});

await Promise.all(ready);
log(
  performance.timeOrigin + performance.now(),
  "table",
  "everyone is seated: ring the start",
);
start.set();

// Wait for every philosopher's "done" event at once, without blocking the
// main thread's event loop (the Workers' messages keep being printed).
const result = await device.waitAllAsync(done, { timeout: 60_000 });
if (result.status !== "signaled") {
  console.error(`the dinner did not finish: ${result.status}`);
  Deno.exit(1);
}
// The events say everyone is done; let their last log lines arrive too
// (messages travel separately from ntsync signals).
await Promise.all(farewells);

// Every fork is back on the table: unowned, not abandoned.
const leftOver = forks.filter((f) => f.read().owner !== 0);
log(
  performance.timeOrigin + performance.now(),
  "table",
  leftOver.length === 0
    ? `all ${PHILOSOPHERS * MEALS} meals eaten, every fork back on the table`
    : `${leftOver.length} forks still held!`,
);
if (leftOver.length !== 0) Deno.exit(1);
