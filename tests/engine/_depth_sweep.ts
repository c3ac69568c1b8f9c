/**
 * The sweep of stack_depth_test.ts, run in a process of its own (per set
 * of V8 flags): every ioctl, the typed API and the async wait and abort
 * paths are called at stack depths near the limit, so that the RangeError
 * of a stack overflow lands at many different points inside the engine.
 * After each call the device is audited (lock free, journal empty, nothing
 * pinned, every counter and reference count recounted: _audit.ts); after
 * each call's sweep another Worker's 50 ms timed wait must return
 * ETIMEDOUT in reasonable time (a generous bound: not a speed assertion),
 * and closing every fd must leave the census empty.
 *
 * @module
 */

import assert from "node:assert/strict";
import { EmulatedBackend } from "../../core/emulated/backend.ts";
import {
  type Device,
  EventArgs,
  MutexArgs,
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  openDevice,
  SemArgs,
} from "../../mod.ts";
import { auditDevice } from "./_audit.ts";
import { event, mutex, sem } from "./_util.ts";
import { deadline, FOREVER, waitArgs } from "../../conformance/ops.ts";

/** One sweep's device, objects, and queued waits for the calls to wake. */
interface Fixture {
  readonly nt: EmulatedBackend;
  readonly dev: number;
  readonly s: number;
  readonly m: number;
  readonly e: number;
  readonly me: number;
  /** fds to close afterwards (calls that create add theirs). */
  readonly fds: number[];
  /** The typed-API device a call opened, closed afterwards. */
  typed: Device | undefined;
  readonly ac: AbortController;
  readonly pending: Promise<unknown>[];
}

function setUp(nt: EmulatedBackend): Fixture {
  const dev = nt.open();
  const s = sem(nt, dev, 0, 5), m = mutex(nt, dev, 7, 1);
  const e = event(nt, dev, false, false), me = event(nt, dev, true, false);
  const ac = new AbortController();
  const f: Fixture = {
    nt,
    dev,
    s,
    m,
    e,
    me,
    fds: [s, m, e, me, dev],
    typed: undefined,
    ac,
    pending: [],
  };
  queue(f, NTSYNC_IOC_WAIT_ANY, [s]);
  queue(f, NTSYNC_IOC_WAIT_ALL, [s, e]);
  queue(f, NTSYNC_IOC_WAIT_ANY, [m], 8);
  queue(f, NTSYNC_IOC_WAIT_ANY, [e, me]);
  return f;
}

/** Queue an async wait (its queueing is synchronous) for calls to claim. */
function queue(f: Fixture, request: number, fds: number[], owner = 9): void {
  const { args } = waitArgs(f.nt, fds, { timeout: FOREVER, owner });
  f.pending.push(
    f.nt.ioctlAsync(f.dev, request, args, { signal: f.ac.signal }).catch((
      err,
    ) => err),
  );
}

async function tearDown(f: Fixture): Promise<void> {
  f.ac.abort(new Error("teardown"));
  await Promise.all(f.pending);
  f.typed?.close();
  for (const fd of f.fds) {
    try {
      f.nt.close(fd);
    } catch { /* closed by the call */ }
  }
}

/** Run `fn` under `n` more frames of this function. */
function recurse(n: number, fn: () => unknown): unknown {
  return n === 0 ? fn() : recurse(n - 1, fn);
}

/**
 * The most frames `recurse` can add before `fn` can no longer be entered
 * (measured with `fn` itself: the JIT's frames depend on what runs).
 */
async function maxDepth(
  nt: EmulatedBackend,
  name: string,
  fn: (f: Fixture) => unknown,
): Promise<number> {
  let lo = 0, hi = 1 << 16;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const f = setUp(nt);
    let entered = false;
    try {
      keep(
        f,
        name,
        recurse(mid, () => {
          entered = true;
          return fn(f);
        }),
      );
    } catch { /* entered or not is all this looks at */ }
    await tearDown(f);
    assert.deepEqual(
      nt.census(),
      { waits: 0, objects: 0, instances: 0 },
      `${name} at depth ${mid}: census after closing every fd`,
    );
    if (entered) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

type Call = (f: Fixture) => unknown;

const u32 = (a: number, b = 0) => new Uint32Array([a, b]);

/** Every ioctl, on the surface, in shapes that reach the engine's paths. */
const CALLS: Record<string, Call> = {
  // First, while the JIT still moves the depth a call is entered at.
  "warm-up (SEM_READ)": (f) =>
    f.nt.tryIoctl(f.s, NTSYNC_IOC_SEM_READ, SemArgs.alloc()),
  "SEM_READ": (f) => f.nt.tryIoctl(f.s, NTSYNC_IOC_SEM_READ, SemArgs.alloc()),
  "SEM_RELEASE (claims)": (f) =>
    f.nt.tryIoctl(f.s, NTSYNC_IOC_SEM_RELEASE, u32(2)),
  "MUTEX_UNLOCK (claims)": (f) =>
    f.nt.tryIoctl(f.m, NTSYNC_IOC_MUTEX_UNLOCK, u32(7)),
  "MUTEX_KILL (claims)": (f) =>
    f.nt.tryIoctl(f.m, NTSYNC_IOC_MUTEX_KILL, u32(7)),
  "MUTEX_READ": (f) =>
    f.nt.tryIoctl(f.m, NTSYNC_IOC_MUTEX_READ, MutexArgs.alloc()),
  "EVENT_SET (claims)": (f) => f.nt.tryIoctl(f.e, NTSYNC_IOC_EVENT_SET, u32(0)),
  "EVENT_PULSE (claims)": (f) =>
    f.nt.tryIoctl(f.me, NTSYNC_IOC_EVENT_PULSE, u32(0)),
  "EVENT_RESET": (f) => f.nt.tryIoctl(f.e, NTSYNC_IOC_EVENT_RESET, u32(0)),
  "EVENT_READ": (f) =>
    f.nt.tryIoctl(f.me, NTSYNC_IOC_EVENT_READ, EventArgs.alloc()),
  "CREATE_SEM": (f) =>
    f.nt.tryIoctl(f.dev, NTSYNC_IOC_CREATE_SEM, SemArgs.alloc({ max: 1 })),
  "CREATE_MUTEX": (f) =>
    f.nt.tryIoctl(f.dev, NTSYNC_IOC_CREATE_MUTEX, MutexArgs.alloc()),
  "CREATE_EVENT": (f) =>
    f.nt.tryIoctl(f.dev, NTSYNC_IOC_CREATE_EVENT, EventArgs.alloc()),
  "WAIT_ANY poll": (f) =>
    f.nt.tryIoctl(f.dev, NTSYNC_IOC_WAIT_ANY, waitArgs(f.nt, [f.s, f.e]).args),
  "WAIT_ANY acquires": (f) =>
    f.nt.tryIoctl(
      f.dev,
      NTSYNC_IOC_WAIT_ANY,
      waitArgs(f.nt, [f.s, f.m], { owner: 7 }).args,
    ),
  "WAIT_ALL 1 ms (queues, withdraws)": (f) =>
    f.nt.tryIoctl(
      f.dev,
      NTSYNC_IOC_WAIT_ALL,
      waitArgs(f.nt, [f.s, f.m, f.e], { timeout: deadline(f.nt, 1) }).args,
    ),
  "open": (f) => f.nt.open(),
  "close (an object waits hold)": (f) => f.nt.close(f.s),
  "ioctlAsync WAIT_ALL (queues)": (f) => {
    const { args } = waitArgs(f.nt, [f.s, f.e], { timeout: FOREVER });
    const p = f.nt.ioctlAsync(f.dev, NTSYNC_IOC_WAIT_ALL, args, {
      signal: f.ac.signal,
    }).catch((err) => err);
    f.pending.push(p);
    return p;
  },
  "AbortController.abort (withdraws)": (f) => f.ac.abort(new Error("abort")),
  "census (drops orphans)": (f) => f.nt.census(),
  "reap": (f) => f.nt.reap(f.nt.share()),
  "typed API: create and release": (f) => {
    // Kept with a store (no call) and closed at the teardown's depth.
    const dev = f.typed = openDevice(f.nt);
    const s = dev.createSemaphore(0, 3);
    s.release(2);
    dev.waitAny([s], { timeout: 0 });
    const mx = dev.createMutex();
    dev.waitAll([s, mx], { owner: 3, timeout: 0 });
    mx.unlock(3);
  },
};

/** fds a call returned (creations and open), to close afterwards. */
function keep(f: Fixture, name: string, result: unknown): void {
  if (
    (name.startsWith("CREATE") || name === "open") &&
    typeof result === "number" && result >= 0
  ) f.fds.push(result);
}

/** A Worker's 50 ms timed wait on the device: how long it took. */
async function timedWaitElsewhere(f: Fixture, worker: Worker) {
  const ev = event(f.nt, f.dev, false, false);
  const reply = new Promise<{ ms: number; r: number }>((resolve) => {
    worker.onmessage = (e) => resolve(e.data);
  });
  worker.postMessage({ token: f.nt.share(), dev: f.dev, ev });
  const timeout = new Promise<never>((_, reject) => {
    const id = setTimeout(
      () => reject(new Error("the other thread's 50 ms wait hung")),
      10_000,
    );
    reply.finally(() => clearTimeout(id));
  });
  const got = await Promise.race([reply, timeout]);
  f.nt.close(ev);
  return got;
}

/**
 * Sweep every call; print `{ landed, calls, perCall }` as JSON on the last
 * line, or throw at the first device left damaged.
 */
async function sweep(): Promise<void> {
  const worker = new Worker(
    new URL("./_timed_wait_worker.ts", import.meta.url).href,
    { type: "module" },
  );
  let landed = 0, calls = 0;
  const perCall: Record<string, number> = {};
  try {
    // Let the JIT settle `recurse` first: while it changes, the depth at
    // which a call can be entered moves.
    const warm = EmulatedBackend.create({ maxFds: 64 });
    for (let i = 0; i < 5; i++) await maxDepth(warm, "warm-up", () => 0);
    for (const [name, call] of Object.entries(CALLS)) {
      const nt = EmulatedBackend.create({
        maxFds: 64,
        maxObjects: 64,
        maxWaits: 32,
      });
      const buffer = nt.share().buffer as SharedArrayBuffer;
      // Warm up, so that the sweep meets optimized code as well.
      for (let i = 0; i < 30; i++) {
        const f = setUp(nt);
        keep(f, name, call(f));
        await tearDown(f);
      }
      let hits = 0, quiet = 0;
      // From above the limit found (the JIT may have changed the frames
      // since) down until calls have completed 40 times in a row.
      const max = await maxDepth(nt, name, call) + 20;
      for (let k = 0; quiet < 40 && k < 5000; k++) {
        const f = setUp(nt);
        let threw: unknown;
        let result: unknown;
        let entered = false;
        try {
          result = recurse(max - k, () => {
            entered = true;
            return call(f);
          });
          keep(f, name, result);
        } catch (err) {
          threw = err;
        }
        await tearDown(f);
        // An async call settles once the teardown aborted its wait.
        if (result instanceof Promise) result = await result;
        if (entered) calls++;
        if (!entered) {
          // The overflow came before the call: nothing to check.
        } else if (
          threw instanceof RangeError || result instanceof RangeError
        ) {
          hits++;
          quiet = 0;
        } else {
          if (threw !== undefined) throw threw;
          quiet++;
        }
        const bad = auditDevice(buffer);
        assert.deepEqual(bad, [], `${name} at depth max-${k}: ${bad}`);
        assert.deepEqual(
          nt.census(),
          { waits: 0, objects: 0, instances: 0 },
          `${name} at depth max-${k}: census after closing every fd (${
            threw instanceof Error ? threw.stack : ""
          })`,
        );
      }
      landed += hits;
      perCall[name] = hits;
      const f = setUp(nt);
      const { ms, r } = await timedWaitElsewhere(f, worker);
      assert.equal(r, -110, `${name}: the other thread's wait returned ${r}`);
      assert.ok(ms < 5_000, `${name}: the other thread's wait took ${ms} ms`);
      await tearDown(f);
      assert.deepEqual(
        nt.census(),
        { waits: 0, objects: 0, instances: 0 },
        `${name}: census after closing every fd`,
      );
    }
  } finally {
    worker.terminate();
  }
  console.log(JSON.stringify({ landed, calls, perCall }));
}

await sweep();
