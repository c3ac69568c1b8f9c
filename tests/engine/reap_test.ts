/**
 * The engine's side of reap: what only the emulated backend can promise
 * (the kernel decides these on native), tested deterministically with an
 * async wait of a second attachment in this thread: it is queued and
 * claimed, but its waiter has not run yet when reap comes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { EmulatedBackend } from "../../core/emulated/backend.ts";
import { NtsyncError } from "../../core/errors.ts";
import { SharedState } from "../../core/emulated/state.ts";
import { EVENT_STATE } from "../../core/emulated/layout.ts";
import {
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
} from "../../mod.ts";
import { WAIT } from "../../uapi/structs.ts";
import { event, mutex, sem, semState } from "./_util.ts";
import {
  FOREVER,
  readEvent,
  readMutex,
  waitArgs,
} from "../../conformance/ops.ts";

/** Poll `cond` until it holds; Worker start-up is slow on a loaded machine. */
async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok(cond(), "condition not reached in time");
}

async function rejectsEsrch(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (e) => e instanceof NtsyncError && e.errno === 3);
}

Deno.test("reap: a terminated Worker's wait leaves the queues and frees its record", async () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const s = sem(nt, dev, 0, 2);
  const token = nt.share();
  const worker = new Worker(
    new URL("./_blocked_worker.ts", import.meta.url).href,
    { type: "module" },
  );
  const said: string[] = [];
  worker.onmessage = (e) => said.push(e.data);
  worker.postMessage({ token, dev, fds: [s, s] });
  await until(() => nt.census().waits === 1);
  assert.equal(nt.reap(token), 1);
  worker.terminate();
  assert.equal(nt.census().waits, 0);
  // The dead waiter must not swallow a release meant for the living.
  nt.ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
  assert.deepEqual(semState(nt, s), { count: 1, max: 2 });
  assert.equal(nt.reap(token), 0, "reaping twice removes nothing more");
  nt.close(s);
  nt.close(dev);
  assert.deepEqual(nt.census(), { waits: 0, objects: 0, instances: 0 });
});

Deno.test("reap: only tokens of this device, and not one's own thread", () => {
  const a = EmulatedBackend.create(), b = EmulatedBackend.create();
  assert.throws(() => a.reap(b.share()), TypeError);
  assert.throws(
    () => a.reap({ kind: "emulated", buffer: a.share().buffer, thread: 1 }),
    RangeError,
  );
  const forged = { ...a.share(), cell: new SharedArrayBuffer(8) };
  assert.throws(() => a.reap(forged), TypeError);
});

Deno.test("reap: a claimed wait its waiter has not returned from gives back what it took", async () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const s = sem(nt, dev, 0, 3);
  const m = mutex(nt, dev, 0, 0);
  const auto = event(nt, dev, false, false);
  const manual = event(nt, dev, true, false);
  const token = nt.share();
  const there = EmulatedBackend.attach(token);
  const owner = 555;

  // Wait-any on the semaphore, claimed by a release, then reaped.
  const a = waitArgs(there, [s], { timeout: FOREVER, owner });
  const onSem = there.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, a.args);
  // Wait-all on the mutex and the auto-reset event.
  const b = waitArgs(there, [m, auto], { timeout: FOREVER, owner });
  const onAll = there.ioctlAsync(dev, NTSYNC_IOC_WAIT_ALL, b.args);
  // Wait-any on the manual event.
  const c = waitArgs(there, [manual], { timeout: FOREVER, owner });
  const onManual = there.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, c.args);
  assert.equal(nt.census().waits, 3);

  nt.ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([2]));
  nt.ioctl(auto, NTSYNC_IOC_EVENT_SET, new Uint32Array(1));
  nt.ioctl(manual, NTSYNC_IOC_EVENT_SET, new Uint32Array(1));
  // All three claimed for `there`: one unit, the mutex and the event taken.
  assert.deepEqual(semState(nt, s), { count: 1, max: 3 });
  assert.deepEqual(readMutex(nt, m), {
    owner: owner,
    count: 1,
    abandoned: false,
  });
  assert.deepEqual(readEvent(nt, auto), { manual: false, signaled: false });

  assert.equal(nt.reap(token), 3);
  // Given back: as if never claimed.
  assert.deepEqual(semState(nt, s), { count: 2, max: 3 });
  assert.deepEqual(readMutex(nt, m), { owner: 0, count: 0, abandoned: false });
  assert.deepEqual(readEvent(nt, auto), { manual: false, signaled: true });
  assert.deepEqual(readEvent(nt, manual), { manual: true, signaled: true });
  await rejectsEsrch(onSem);
  await rejectsEsrch(onAll);
  await rejectsEsrch(onManual);
  assert.equal(nt.census().waits, 0);
  for (const fd of [s, m, auto, manual, dev]) nt.close(fd);
  assert.deepEqual(nt.census(), { waits: 0, objects: 0, instances: 0 });
});

Deno.test("reap: a given-back unit goes to the next waiter in line", async () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const s = sem(nt, dev, 0, 1);
  const m = mutex(nt, dev, 0, 0);
  const token = nt.share();
  const there = EmulatedBackend.attach(token);
  const a = waitArgs(there, [s, m], { timeout: FOREVER, owner: 9 });
  const dead = there.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, a.args);
  // The mutex was free: acquired at once, index 1. Wait again, on s only.
  assert.equal(await dead, 0);
  const a2 = waitArgs(there, [s], { timeout: FOREVER, owner: 9 });
  const zombie = there.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, a2.args);
  const b = waitArgs(nt, [s, m], { timeout: FOREVER, owner: 10 });
  const heir = nt.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, b.args);
  nt.ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1])); // to the zombie
  assert.equal(nt.reap(token, { owners: [9] }), 1);
  await rejectsEsrch(zombie);
  // The heir got the unit given back (index 0), the mutex stays abandoned.
  assert.equal(await heir, 0);
  assert.equal(new DataView(b.args.buffer).getUint32(WAIT.index, true), 0);
  assert.deepEqual(semState(nt, s), { count: 0, max: 1 });
  assert.deepEqual(readMutex(nt, m), { owner: 0, count: 0, abandoned: true });
  for (const fd of [s, m, dev]) nt.close(fd);
});

Deno.test("reap: a zombie's lock-free event calls change nothing after reap", () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const ev = event(nt, dev, true, false);
  const token = nt.share();
  const there = EmulatedBackend.attach(token);
  const set = new Uint32Array(1);
  // Warm its fast path: the event's word is cached by `there`.
  for (let i = 0; i < 3; i++) {
    there.ioctl(ev, NTSYNC_IOC_EVENT_SET, set);
    there.tryIoctl(ev, NTSYNC_IOC_EVENT_RESET, set);
  }
  nt.reap(token);
  assert.equal(there.tryIoctl(ev, NTSYNC_IOC_EVENT_SET, set), -3);
  assert.deepEqual(readEvent(nt, ev), { manual: true, signaled: false });
  nt.ioctl(ev, NTSYNC_IOC_EVENT_SET, set);
  assert.equal(there.tryIoctl(ev, NTSYNC_IOC_EVENT_RESET, set), -3);
  assert.deepEqual(readEvent(nt, ev), { manual: true, signaled: true });
  const w = waitArgs(there, [ev]);
  assert.equal(there.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, w.args), -3);
  assert.equal(there.tryIoctl(ev, NTSYNC_IOC_MUTEX_UNLOCK, set), -3);
  nt.close(ev);
  nt.close(dev);
});

Deno.test("reap: every object's word gets a new version, so no lock-free swap a zombie prepared can land after it", () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const fds = [
    sem(nt, dev, 1, 5),
    sem(nt, dev, 2000, 3000), // its count past the lock-free form
    mutex(nt, dev, 0, 0),
    mutex(nt, dev, 9, 2),
    event(nt, dev, true, true),
    event(nt, dev, false, false),
  ];
  // Put the semaphore and a mutex in their lock-free forms first.
  nt.ioctl(fds[0], NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
  const w = waitArgs(nt, [fds[2]], { owner: 4 });
  nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, w.args);
  const st = SharedState.attach(nt.share().buffer as SharedArrayBuffer);
  const words = () =>
    Array.from(
      { length: fds.length },
      (_, obj) => st.i32[st.objectAt(obj) + EVENT_STATE],
    );
  const before = words();
  nt.reap(EmulatedBackend.attach(nt.share()).share());
  const after = words();
  for (let obj = 0; obj < fds.length; obj++) {
    assert.notEqual(after[obj], before[obj], `object ${obj}`);
  }
  for (const fd of [...fds, dev]) nt.close(fd);
});
