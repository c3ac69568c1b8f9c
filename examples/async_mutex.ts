/**
 * An async mutex on the main thread, with `AbortSignal`: what users of
 * `async-mutex` or the Web Locks API (`navigator.locks.request(name,
 * { signal }, ...)`) reach for, on an ntsync mutex.
 *
 * `mutex.lockAsync(options)` waits without blocking the event loop and
 * returns a guard that `using` unlocks at the end of the block; `null` when
 * the `timeout` passed first. `options.signal` cancels a pending lock: the
 * promise rejects with the signal's reason and nothing is acquired.
 *
 * One thing differs from a promise-queue mutex: an ntsync mutex is owned by
 * an owner id and recursive for it. Every call on this thread defaults to
 * the thread's id (`device.threadId`), so two async tasks of one thread
 * would both "hold" it. Tasks that must exclude each other on one thread
 * pass an owner id each, as below; across Workers the default is right.
 *
 * Run it: `deno task example:async-mutex`
 *
 * @module
 */

import assert from "node:assert/strict";
import { openDevice } from "../mod.ts";

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

using device = openDevice();
using mutex = device.createMutex();
console.log(`backend: ${device.backend.kind}`);

// 1. Critical sections of concurrent tasks: one at a time, first come first
//    served (the kernel hands the mutex to the first queued waiter).
let inside = 0;
let mostInside = 0;
const served: number[] = [];
async function task(owner: number): Promise<void> {
  using guard = await mutex.lockAsync({ owner });
  assert.ok(guard !== null); // no timeout given: waits until it has it
  inside++;
  mostInside = Math.max(mostInside, inside);
  await delay(5); // the event loop keeps running while the lock is held
  served.push(owner);
  inside--;
} // unlocked here
await Promise.all([1, 2, 3, 4].map(task));
assert.equal(mostInside, 1);
assert.deepEqual(served, [1, 2, 3, 4]);
assert.equal(mutex.read().owner, 0);
console.log(`four tasks, one at a time, in the order they asked: ${served}`);

// 2. Cancel a pending lock with an AbortController (the user gave up).
const holder = mutex.lock({ owner: 99 }); // someone else holds it
assert.ok(holder !== null);
const controller = new AbortController();
const pending = mutex.lockAsync({ signal: controller.signal });
setTimeout(() => controller.abort(new Error("cancelled by the user")), 20);
await assert.rejects(pending, { message: "cancelled by the user" });
assert.equal(mutex.read().owner, 99); // the cancelled lock took nothing
console.log("a pending lock, aborted: rejected with the signal's reason");

// 3. Give up after a while: AbortSignal.timeout rejects with a TimeoutError;
//    the `timeout` option resolves with null instead.
await assert.rejects(
  mutex.lockAsync({ signal: AbortSignal.timeout(20) }),
  { name: "TimeoutError" },
);
assert.equal(await mutex.lockAsync({ timeout: 20 }), null);
console.log("AbortSignal.timeout(20): TimeoutError; { timeout: 20 }: null");

// 4. The holder lets go while we wait: the lock is ours, the signal unused.
setTimeout(() => holder.unlock(), 20);
{
  using guard = await mutex.lockAsync({ signal: AbortSignal.timeout(10_000) });
  assert.ok(guard !== null);
  assert.equal(guard.abandoned, false);
  assert.equal(mutex.read().owner, device.threadId); // the default owner
  console.log("released by its holder after 20 ms: acquired");
}
assert.deepEqual(mutex.read(), { owner: 0, count: 0, abandoned: false });
console.log("async-mutex: every assertion held");
