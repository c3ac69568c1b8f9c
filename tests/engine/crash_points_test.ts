/**
 * A thread that dies in the middle of a call leaves a device that
 * recovery restores: for every kind of operation and every k, a thread is
 * killed right after the k-th shared-memory write the operation makes
 * under the device lock (injectCrashAfter, with `kills`: its catch blocks
 * find nothing to clean up, and the lock stays held by a dead holder with
 * a half-written journal). Another thread then recovers the device with
 * SharedState#recoverFrom, as a reaper does; the device must then be in
 * the state it had before the operation (every object read back, the
 * census, and the full audit of _audit.ts), its queued waits still queued,
 * and keep working.
 */

import assert from "node:assert/strict";
import { EmulatedBackend } from "../../core/emulated/backend.ts";
import {
  injectCrashAfter,
  InjectedCrash,
  SharedState,
} from "../../core/emulated/state.ts";
import {
  EventArgs,
  MutexArgs,
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  SemArgs,
} from "../../mod.ts";
import { auditDevice } from "./_audit.ts";
import { event, mutex, sem } from "./_util.ts";
import {
  FOREVER,
  readEvent,
  readMutex,
  readSem,
  waitArgs,
} from "../../conformance/ops.ts";

interface Fixture {
  readonly a: EmulatedBackend;
  /** The thread that dies, attached to the same device. */
  readonly b: EmulatedBackend;
  readonly dev: number;
  readonly s: number;
  readonly m: number;
  readonly e: number;
  readonly me: number;
  /** An object nothing waits on. */
  readonly spare: number;
  readonly ac: AbortController;
  readonly pending: Promise<unknown>[];
}

function setUp(): Fixture {
  const a = EmulatedBackend.create({
    maxFds: 64,
    maxObjects: 64,
    maxWaits: 16,
  });
  const dev = a.open();
  const s = sem(a, dev, 0, 5), m = mutex(a, dev, 7, 1);
  const e = event(a, dev, false, false), me = event(a, dev, true, false);
  const spare = sem(a, dev, 1, 1);
  const b = EmulatedBackend.attach(a.share());
  const ac = new AbortController();
  const f: Fixture = { a, b, dev, s, m, e, me, spare, ac, pending: [] };
  for (
    const [request, fds, owner] of [
      [NTSYNC_IOC_WAIT_ANY, [s], 9],
      [NTSYNC_IOC_WAIT_ALL, [s, e], 9],
      [NTSYNC_IOC_WAIT_ANY, [m], 8],
      [NTSYNC_IOC_WAIT_ANY, [e, me], 9],
      [NTSYNC_IOC_WAIT_ALL, [m, me], 8],
    ] as const
  ) {
    const { args } = waitArgs(a, [...fds], { timeout: FOREVER, owner });
    f.pending.push(
      a.ioctlAsync(dev, request, args, { signal: ac.signal }).catch((x) => x),
    );
  }
  return f;
}

/** What can be read back of the fixture's objects, and the census. */
function snapshot(f: Fixture): unknown {
  return {
    s: readSem(f.a, f.s),
    m: readMutex(f.a, f.m),
    e: readEvent(f.a, f.e),
    me: readEvent(f.a, f.me),
    census: f.a.census(),
  };
}

const u32 = (a: number, b = 0) => new Uint32Array([a, b]);

/** Every kind of operation, run by the thread that dies. */
const OPS: Record<string, (f: Fixture) => unknown> = {
  "SEM_RELEASE (claims)": (f) =>
    f.b.tryIoctl(f.s, NTSYNC_IOC_SEM_RELEASE, u32(2)),
  "MUTEX_UNLOCK (claims)": (f) =>
    f.b.tryIoctl(f.m, NTSYNC_IOC_MUTEX_UNLOCK, u32(7)),
  "MUTEX_KILL (claims)": (f) =>
    f.b.tryIoctl(f.m, NTSYNC_IOC_MUTEX_KILL, u32(7)),
  "EVENT_SET (claims)": (f) => f.b.tryIoctl(f.e, NTSYNC_IOC_EVENT_SET, u32(0)),
  "EVENT_SET manual (claims all)": (f) =>
    f.b.tryIoctl(f.me, NTSYNC_IOC_EVENT_SET, u32(0)),
  "EVENT_PULSE (claims)": (f) =>
    f.b.tryIoctl(f.me, NTSYNC_IOC_EVENT_PULSE, u32(0)),
  "EVENT_RESET": (f) => f.b.tryIoctl(f.e, NTSYNC_IOC_EVENT_RESET, u32(0)),
  "CREATE_SEM": (f) =>
    f.b.tryIoctl(f.dev, NTSYNC_IOC_CREATE_SEM, SemArgs.alloc({ max: 1 })),
  "CREATE_MUTEX": (f) =>
    f.b.tryIoctl(f.dev, NTSYNC_IOC_CREATE_MUTEX, MutexArgs.alloc()),
  "CREATE_EVENT": (f) =>
    f.b.tryIoctl(f.dev, NTSYNC_IOC_CREATE_EVENT, EventArgs.alloc()),
  "WAIT_ANY acquires": (f) =>
    f.b.tryIoctl(
      f.dev,
      NTSYNC_IOC_WAIT_ANY,
      waitArgs(f.b, [f.e, f.m], { owner: 7 }).args,
    ),
  "WAIT_ALL acquires": (f) =>
    f.b.tryIoctl(
      f.dev,
      NTSYNC_IOC_WAIT_ALL,
      waitArgs(f.b, [f.m, f.me], { owner: 7 }).args,
    ),
  "WAIT_ALL queues (async)": (f) =>
    f.b.ioctlAsync(
      f.dev,
      NTSYNC_IOC_WAIT_ALL,
      waitArgs(f.b, [f.s, f.m, f.e], { timeout: FOREVER }).args,
      { signal: f.ac.signal },
    ),
  "open": (f) => f.b.open(),
  "close (an object waits hold)": (f) => f.b.close(f.s),
  "close (the last reference)": (f) => f.b.close(f.spare),
  "reap (withdraws, abandons)": (f) => f.b.reap(f.a.share(), { owners: [7] }),
};

Deno.test("a thread killed after any shared-memory write of any operation: recovery restores the state before it", async () => {
  let tried = 0;
  const perOp: Record<string, number> = {};
  for (const [name, op] of Object.entries(OPS)) {
    for (let k = 1;; k++) {
      const f = setUp();
      const before = snapshot(f);
      injectCrashAfter(k, true);
      let crashed = false;
      try {
        const r = op(f);
        if (r instanceof Promise) {
          // Its locked sections ran before it returned: a crash in them has
          // rejected it already; else it is queued, until the teardown.
          let failure: unknown;
          f.pending.push(r.catch((err) => (failure = err)));
          for (let i = 0; i < 3; i++) await Promise.resolve();
          if (failure instanceof InjectedCrash) throw failure;
        }
      } catch (err) {
        if (!(err instanceof InjectedCrash)) throw err;
        crashed = true;
      }
      const left = injectCrashAfter(0);
      if (!crashed) {
        // k is past the op's last write: every crash point was tried.
        assert.ok(left > 0, `${name}: completed, yet its crash point passed`);
        f.ac.abort();
        await Promise.all(f.pending);
        perOp[name] = k - 1;
        break;
      }
      tried++;
      const buffer = f.a.share().buffer as SharedArrayBuffer;
      // The dead thread still holds the lock.
      const reaper = SharedState.attach(buffer);
      reaper.bindThread(f.a.threadId);
      assert.equal(
        reaper.recoverFrom(f.b.threadId),
        true,
        `${name} k=${k}: the dead thread should hold the lock`,
      );
      assert.deepEqual(auditDevice(buffer), [], `${name} k=${k}`);
      assert.deepEqual(snapshot(f), before, `${name} k=${k}: state`);
      // And it keeps working: a release wakes the first queued waiter.
      f.a.ioctl(f.s, NTSYNC_IOC_SEM_RELEASE, u32(1));
      f.ac.abort(new Error("done"));
      const outcomes = await Promise.all(f.pending);
      assert.equal(
        outcomes.filter((x) => x === 0).length,
        1,
        `${name} k=${k}: the release went to exactly one queued waiter`,
      );
      assert.deepEqual(auditDevice(buffer), [], `${name} k=${k} afterwards`);
    }
    assert.ok(perOp[name] > 0, `${name}: no crash point`);
  }
  console.log(`${tried} crash points tried`, perOp);
});
