/**
 * WAIT_ALL over 1, 8 and 64 objects (poll, uncontended), and the cost of a
 * wake with 1,000 waiters queued on other objects against none.
 *
 * Goal (issue 4): a wake costs the same with 1,000 unrelated waiters as
 * with none (wake cost grows with the object's own waiters only).
 *
 * @module
 */

import {
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
} from "../mod.ts";
import type { EmulatedBackend } from "../core/emulated/backend.ts";
import {
  benchDevice,
  createEvent,
  createSem,
  FOREVER,
  waitArgs,
} from "./_device.ts";
import { queueUnrelated } from "./_unrelated.ts";
import {
  PingPong,
  type PingPongInit,
  SHARED_WORDS,
  SPIN_ITERATIONS,
} from "./_pingpong.ts";
import { startWorker } from "./_workers.ts";

// ---- WAIT_ALL poll -------------------------------------------------------

{
  const { nt, dev } = benchDevice();
  // Manual-reset events, signaled: acquiring them changes nothing, so each
  // poll does the same work and the bench measures the wait alone.
  const events = Array.from(
    { length: 64 },
    () => createEvent(nt, dev, true, true),
  );
  const any1 = waitArgs(nt, events.slice(0, 1), { owner: 1, timeout: 0n });
  Deno.bench({
    name: "WAIT_ANY poll, 1 object",
    group: "WAIT_ALL poll",
    baseline: true,
    fn() {
      nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, any1.args);
    },
  });
  for (const count of [1, 8, 64]) {
    const all = waitArgs(nt, events.slice(0, count), { owner: 1, timeout: 0n });
    Deno.bench({
      name: `WAIT_ALL poll, ${count} objects`,
      group: "WAIT_ALL poll",
      fn() {
        nt.ioctl(dev, NTSYNC_IOC_WAIT_ALL, all.args);
      },
    });
  }
}

// ---- a wake, with and without unrelated waiters ----------------------------

/** Wakes per bench iteration (a batch: Deno ignores start/end under 10 us). */
const WAKES = 64;
const UNRELATED = 1000;

/** A device whose semaphore `x` gets WAKES async waiters before each batch. */
function wakeBench(name: string, unrelatedObjects: number, baseline: boolean) {
  const { nt, dev } = benchDevice();
  if (unrelatedObjects > 0) {
    queueUnrelated(nt, dev, UNRELATED, unrelatedObjects);
  }
  const x = createSem(nt, dev, 0, WAKES);
  const waits = Array.from(
    { length: WAKES },
    () => waitArgs(nt, [x], { owner: 1, timeout: FOREVER }),
  );
  const one = new DataView(new ArrayBuffer(4));
  Deno.bench({
    name,
    group: `wake: SEM_RELEASE satisfying one waiter (x${WAKES})`,
    baseline,
    // The first bench of a group otherwise pays for compiling the shared path.
    warmup: 200,
    async fn(b) {
      const pending = waits.map((w) =>
        nt.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, w.args)
      );
      b.start();
      for (let i = 0; i < WAKES; i++) {
        one.setUint32(0, 1, true);
        nt.ioctl(x, NTSYNC_IOC_SEM_RELEASE, one);
      }
      b.end();
      await Promise.all(pending);
    },
  });
}

/**
 * One whole async wait per iteration: queue it (a record is taken), wake it
 * with SEM_RELEASE, let it resolve (the record is freed). Single-threaded,
 * so no peer's scheduling blurs it; each wait start takes a fresh record.
 */
function roundBench(name: string, unrelatedObjects: number, baseline: boolean) {
  const { nt, dev } = benchDevice();
  if (unrelatedObjects > 0) {
    queueUnrelated(nt, dev, UNRELATED, unrelatedObjects);
  }
  const x = createSem(nt, dev, 0, 1);
  const wait = waitArgs(nt, [x], { owner: 1, timeout: FOREVER });
  const one = new DataView(new ArrayBuffer(4));
  Deno.bench({
    name,
    group: "one async wait: queue, SEM_RELEASE wake, resolve",
    baseline,
    warmup: 200,
    async fn() {
      const pending = nt.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, wait.args);
      one.setUint32(0, 1, true);
      nt.ioctl(x, NTSYNC_IOC_SEM_RELEASE, one);
      await pending;
    },
  });
}

wakeBench("no other waiters", 0, true);
wakeBench(`${UNRELATED} waiters on 1 other object`, 1, false);
wakeBench(`${UNRELATED} waiters on 100 other objects`, 100, false);
roundBench("no other waiters", 0, true);
roundBench(`${UNRELATED} waiters on 100 other objects`, 100, false);

// ---- the whole path: a ping-pong with and without unrelated waiters --------

const ROUNDS = 1000;

async function pingPongDevice(
  unrelated: number,
): Promise<{ nt: EmulatedBackend; side: PingPong }> {
  const { nt, dev } = benchDevice();
  if (unrelated > 0) queueUnrelated(nt, dev, unrelated, 100);
  const init = {
    dev,
    ping: createEvent(nt, dev, false, false),
    pong: createEvent(nt, dev, false, false),
    shared: new SharedArrayBuffer(SHARED_WORDS * 4),
  };
  await startWorker(
    new URL("./pingpong_worker.ts", import.meta.url),
    { ...init, role: "ntsync-echo", token: nt.share() } satisfies PingPongInit,
  );
  return { nt, side: new PingPong(nt, init) };
}

for (const unrelated of [0, UNRELATED]) {
  const { side } = await pingPongDevice(unrelated);
  Deno.bench({
    name: unrelated
      ? `${unrelated} waiters on 100 other objects`
      : "no other waiters",
    group:
      `ping-pong main<->worker with unrelated waiters, ${ROUNDS} round trips`,
    baseline: unrelated === 0,
    n: SPIN_ITERATIONS,
    warmup: 10,
    fn: () => side.run("ntsync", ROUNDS, 0),
  });
}
