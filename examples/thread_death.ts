/**
 * Thread death and recovery: a Worker dies holding a mutex; its owner reaps
 * it; the next waiter acquires the mutex as `"abandoned"`, repairs the data
 * the mutex guards, and carries on.
 *
 * A Worker's death is invisible to ntsync (it is not a kernel thread), so
 * the thread that started it says so: `device.reap(token)` revokes the
 * attachment made with `token`, wakes its blocked waits with ESRCH, and
 * abandons every mutex it owned, as Wine's server does when a thread dies.
 * `device.reapAndTerminate(worker, token)` reaps, then terminates, in the
 * order that grants nothing to the dying Worker in between. See the README's
 * "Workers and thread death" and docs/semantics.md#threads-workers-and-reap.
 *
 * Run it: `deno task example:thread-death`
 *
 * @module
 */

import assert from "node:assert/strict";
import { openDevice } from "../mod.ts";
import type { Report, Setup } from "./thread_death_worker.ts";

using device = openDevice();
using mutex = device.createMutex();
using never = device.createEvent({ manual: true });
const ledger = new Int32Array(new SharedArrayBuffer(8));
ledger[0] = 100; // account 0; account 1 is 0: the sum is 100
console.log(`backend: ${device.backend.kind}`);

/** Start a Worker that takes the mutex and hangs; resolves once it holds it. */
async function startHangingWorker() {
  const token = device.share(); // one token per Worker: what reap revokes
  const worker = new Worker(
    new URL("./thread_death_worker.ts", import.meta.url).href,
    { type: "module" },
  );
  const reports: Report[] = [];
  let arrived = Promise.withResolvers<void>();
  worker.onmessage = (e: MessageEvent<Report>) => {
    reports.push(e.data);
    arrived.resolve();
  };
  const next = async (): Promise<Report> => {
    while (reports.length === 0) {
      await arrived.promise;
      arrived = Promise.withResolvers<void>();
    }
    return reports.shift()!;
  };
  const setup: Setup = {
    device: token,
    mutex: mutex.fd,
    never: never.fd,
    ledger: ledger.buffer as SharedArrayBuffer,
  };
  worker.postMessage(setup);
  const holding = await next();
  assert.equal(holding.what, "holding");
  assert.equal(mutex.read().owner, (holding as { threadId: number }).threadId);
  return { worker, token, next };
}

/** The abandonment rule: check the data, repair it, then use it. */
function repairLedger(): void {
  const sum = ledger[0] + ledger[1];
  if (sum !== 100) {
    console.log(`  ledger is ${ledger[0]} + ${ledger[1]} = ${sum}: repaired`);
    ledger[1] = 100 - ledger[0]; // finish the transfer the dead thread began
  }
}

// 1. The main thread waits (async) behind a Worker that hangs holding the
//    mutex; reap wakes the Worker's wait with ESRCH and hands the mutex on.
{
  const { worker, token, next } = await startHangingWorker();
  const waiting = mutex.lockAsync({ timeout: 10_000 });
  device.reap(token);
  assert.deepEqual(await next(), { what: "woken", code: "ESRCH" });
  worker.terminate();
  using guard = await waiting;
  assert.ok(guard !== null);
  assert.equal(guard.abandoned, true); // acquired, but its owner died
  console.log(
    "reaped: the Worker's wait failed ESRCH, the waiter got the mutex abandoned",
  );
  repairLedger();
}
assert.deepEqual([ledger[0], ledger[1]], [90, 10]);

// 2. The same with reapAndTerminate, and a blocking lock with a timeout.
{
  const { worker, token } = await startHangingWorker();
  assert.equal(mutex.lock({ timeout: 0 }), null); // held by the Worker
  device.reapAndTerminate(worker, token); // reap(token), then terminate()
  assert.deepEqual(mutex.read(), { owner: 0, count: 0, abandoned: true });
  using guard = mutex.lock({ timeout: 10_000 });
  assert.equal(guard?.abandoned, true);
  console.log("reapAndTerminate: the next lock got the mutex abandoned");
  repairLedger();
}
assert.deepEqual([ledger[0], ledger[1]], [80, 20]);

// 3. Once unlocked by its new owner, the mutex is an ordinary mutex again.
{
  using guard = mutex.lock({ timeout: 0 });
  assert.equal(guard?.abandoned, false);
}
assert.deepEqual(mutex.read(), { owner: 0, count: 0, abandoned: false });
console.log("thread-death: every assertion held");
