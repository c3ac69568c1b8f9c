/**
 * A mutex locked and unlocked on one thread, nobody else near it: through
 * the surface (WAIT_ANY + MUTEX_UNLOCK), through the typed API in its
 * forms, and what a `using` scope costs by itself.
 *
 * A `using` scope costs V8 (15, in Deno 2.9 and Node 25 alike) about as
 * much as the lock and unlock together, whatever it disposes; the row
 * "`using` of a no-op disposable" shows that cost alone, so the typed rows
 * are read against the surface without it.
 *
 * A file of its own, as typed_bench.ts is: rows in one file share an
 * isolate.
 *
 * @module
 */

import { openDevice } from "../core/api/mod.ts";
import { benchDevice, createMutex, waitArgs } from "./_device.ts";
import { benchRows } from "./_interleaved.ts";
import { NTSYNC_IOC_MUTEX_UNLOCK, NTSYNC_IOC_WAIT_ANY } from "../mod.ts";
import { FOREVER } from "../conformance/ops.ts";

const { nt, dev } = benchDevice();
const mutex = createMutex(nt, dev);
const lock = waitArgs(nt, [mutex], { owner: 1, timeout: FOREVER });
const unlock = new DataView(new ArrayBuffer(8));

const typed = openDevice(benchDevice().nt);
const tmutex = typed.createMutex();

let held = 0;
const noop = { [Symbol.dispose]: () => held-- };

benchRows("mutex lock + unlock, one thread", [{
  name: "surface: WAIT_ANY + MUTEX_UNLOCK",
  baseline: true,
  fn() {
    nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, lock.args);
    unlock.setUint32(0, 1, true);
    nt.ioctl(mutex, NTSYNC_IOC_MUTEX_UNLOCK, unlock);
  },
}, {
  name: "typed API: mutex.wait() + mutex.unlock()",
  fn() {
    if (tmutex.wait().status !== "signaled") throw new Error("not acquired");
    tmutex.unlock();
  },
}, {
  name: "typed API: guard = mutex.lock(), guard.unlock()",
  fn() {
    const guard = tmutex.lock();
    if (guard === null) throw new Error("not acquired");
    guard.unlock();
  },
}, {
  name: "typed API: { using guard = mutex.lock() }",
  fn() {
    using guard = tmutex.lock();
    if (guard === null) throw new Error("not acquired");
  },
}, {
  name: "plain JS: { using x = a no-op disposable } (V8's own cost)",
  fn() {
    using _x = noop;
    held++;
  },
}]);
