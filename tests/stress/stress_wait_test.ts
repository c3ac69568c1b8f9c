/**
 * The kernel's stress_wait on the emulated engine, across Workers: 4 Workers
 * x 10,000 WAIT_ANY/MUTEX_UNLOCK rounds on one mutex, each incrementing a
 * plain (non-atomic) counter in shared memory. The counter ends at exactly
 * 40,000 only if the mutex excluded and no wakeup was lost (a lost wakeup
 * hangs, and the time limit turns that into a failure).
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  createEvent,
  createMutex,
  createSem,
  Ops,
} from "../../conformance/ops.ts";
import {
  assertSettled,
  freshDevice,
  runWorkers,
  stressLoops,
} from "./_harness.ts";
import type { LockerDone, LockerInit } from "./locker_worker.ts";
import { auditDevice } from "../engine/_audit.ts";

const WORKERS = 4;
/** Shared reads inside the critical section (see LockerInit.hold). */
const HOLD = 20;
const worker = new URL("./locker_worker.ts", import.meta.url);

/**
 * Start WORKERS lockers on `objs(i)`, given back as `kinds(i)`, release
 * them all at once, and check what every stress_wait checks: each did all
 * its loops, the plain counter is exact, and never two were inside.
 */
async function lockersAgree(
  nt: ReturnType<typeof freshDevice>["nt"],
  dev: number,
  objs: (worker: number) => number[],
  kinds: (worker: number) => LockerInit["kinds"],
  { owners = 1, all = false }: { owners?: number; all?: boolean } = {},
): Promise<number> {
  const loops = stressLoops();
  const start = createEvent(nt, dev, true, false);
  // Word 0: the plain counter; 1, 2: holders inside at once, and the most seen.
  const counters = new SharedArrayBuffer(3 * 4);
  const inits: LockerInit[] = Array.from({ length: WORKERS }, (_, i) => ({
    token: nt.share(),
    dev,
    start,
    owner: 0x1000 + i,
    loops,
    objs: objs(i),
    all,
    kinds: kinds(i),
    counters,
    bump: [0],
    gauges: [1],
    hold: HOLD,
    owners,
  }));
  const done = await runWorkers<LockerDone>(worker, inits, 20_000, () => {
    assert.equal(new Ops(nt).set(start), 0);
  });
  assert.deepEqual(done.map((d) => d.loops), inits.map(() => loops));
  const c = new Int32Array(counters);
  assert.equal(c[0], WORKERS * loops);
  assert.deepEqual([c[1], c[2]], [0, 1], "holders inside at once: now, most");
  return start;
}

Deno.test("stress: stress_wait, 4 Workers x 10,000 on one mutex, plain counter exact", async () => {
  const { nt, dev } = freshDevice();
  const mutex = createMutex(nt, dev);
  const start = await lockersAgree(nt, dev, () => [mutex], () => ["mutex"]);
  assertSettled(nt, dev, [
    { fd: mutex, mutex: { owner: 0, count: 0, abandoned: false } },
    { fd: start, event: { manual: true, signaled: true } },
  ]);
});

/**
 * The same shape with an auto-reset event as the lock: WAIT_ANY takes it,
 * EVENT_SET gives it back. Two of the Workers wait on the event alone (the
 * engine's lock-free event path), two on the event and one that is never
 * signaled (the queued path, whose pins the lock-free path must respect).
 */
Deno.test("stress: 4 Workers x 10,000 on an auto-reset event as a lock, lock-free and queued waits mixed, plain counter exact", async () => {
  const { nt, dev } = freshDevice();
  const lock = createEvent(nt, dev, false, true);
  const never = createEvent(nt, dev, false, false);
  const start = await lockersAgree(
    nt,
    dev,
    (i) => i % 2 === 0 ? [lock] : [lock, never],
    (i) => i % 2 === 0 ? ["event"] : ["event", "none"],
  );
  assertSettled(nt, dev, [
    { fd: lock, event: { manual: false, signaled: true } },
    { fd: never, event: { manual: false, signaled: false } },
    { fd: start, event: { manual: true, signaled: true } },
  ]);
});

/**
 * The same with a mutex taken both ways: two Workers wait on it alone (the
 * lock-free lock and unlock, fast_mutex.ts), two on it and an event that is
 * never signaled (the locked path, which takes the mutex out of its
 * lock-free form and puts it back).
 */
Deno.test("stress: 4 Workers x 10,000 on one mutex, lock-free and queued waits mixed, plain counter exact", async () => {
  const { nt, dev } = freshDevice();
  const mutex = createMutex(nt, dev);
  const never = createEvent(nt, dev, false, false);
  const start = await lockersAgree(
    nt,
    dev,
    (i) => i % 2 === 0 ? [mutex] : [mutex, never],
    (i) => i % 2 === 0 ? ["mutex"] : ["mutex", "none"],
  );
  assertSettled(nt, dev, [
    { fd: mutex, mutex: { owner: 0, count: 0, abandoned: false } },
    { fd: never, event: { manual: false, signaled: false } },
    { fd: start, event: { manual: true, signaled: true } },
  ]);
});

/**
 * And a semaphore of one unit as the lock: WAIT_ANY takes the unit,
 * SEM_RELEASE gives it back; two Workers wait on it alone (the lock-free
 * paths, fast_sem.ts), two on it and an event that is never signaled.
 */
Deno.test("stress: 4 Workers x 10,000 on a one-unit semaphore as a lock, lock-free and queued waits mixed, plain counter exact", async () => {
  const { nt, dev } = freshDevice();
  const sem = createSem(nt, dev, 1, 1);
  const never = createEvent(nt, dev, false, false);
  const start = await lockersAgree(
    nt,
    dev,
    (i) => i % 2 === 0 ? [sem] : [sem, never],
    (i) => i % 2 === 0 ? [1] : [1, "none"],
  );
  assertSettled(nt, dev, [
    { fd: sem, sem: { count: 1, max: 1 } },
    { fd: never, event: { manual: false, signaled: false } },
    { fd: start, event: { manual: true, signaled: true } },
  ]);
});

/**
 * Two mutexes at once, each Worker a different owner id each iteration
 * (5,000 ids in turn): the shared one and one of its own, by WAIT_ALL. The
 * owner registry (core/emulated/owners.ts) runs out of room and is emptied
 * again and again while the other Workers hold their own mutex in the
 * lock-free form, whose owner must survive it (else its unlock is EPERM).
 */
Deno.test("stress: 4 Workers x 10,000 on one mutex and one of their own, 5,000 owner ids each in turn, plain counter exact", async () => {
  const { nt, dev } = freshDevice();
  const mutex = createMutex(nt, dev);
  const own = Array.from({ length: WORKERS }, () => createMutex(nt, dev));
  const start = await lockersAgree(
    nt,
    dev,
    (i) => [mutex, own[i]],
    () => ["mutex", "mutex"],
    { owners: 5_000, all: true },
  );
  // Mutexes in fast form name slots the registry holds, and so on.
  assert.deepEqual(
    auditDevice(nt.share().buffer as SharedArrayBuffer),
    [],
  );
  const free = { owner: 0, count: 0, abandoned: false };
  assertSettled(nt, dev, [
    { fd: mutex, mutex: free },
    ...own.map((fd) => ({ fd, mutex: free })),
    { fd: start, event: { manual: true, signaled: true } },
  ]);
});
