/**
 * The native backend on the real driver: the module's own checks meet the
 * kernel's order, and the async waits behave as the kernel's waits do.
 *
 * Skipped where /dev/ntsync cannot be used, unless NTSYNC_TEST_BACKENDS
 * names "native" (the real-kernel VM sets it): then they run and fail loudly.
 */

import assert from "node:assert/strict";
import { openNativeBackend } from "../../ffi/native.ts";
import {
  NonblockingWaits,
  nonblockingWaits,
} from "../../ffi/nonblocking_wait.ts";
import { libc } from "../../ffi/libc.ts";
import { waitPool } from "../../ffi/wait_pool.ts";
import { attachBackend } from "../../select/registry.ts";
import type { Backend } from "../../core/backend.ts";
import {
  Errno,
  MutexArgs,
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  SemArgs,
  WaitArgs,
} from "../../uapi/mod.ts";
import { errnoOf, errnoOfAsync } from "./_errors.ts";
import { QUEUE_MS, queuedWaits, untilQueued } from "../_blocked.ts";
import * as ops from "../../conformance/ops.ts";
import { deadline, type WaitFields } from "../../conformance/ops.ts";

function envWantsNative(): boolean {
  try {
    return (Deno.env.get("NTSYNC_TEST_BACKENDS") ?? "").split(",")
      .map((s) => s.trim()).includes("native");
  } catch {
    return false;
  }
}

let native: Backend | undefined;
let why = "";
try {
  native = openNativeBackend(); // outside the tests: libc stays loaded
} catch (err) {
  why = err instanceof Error ? err.message : String(err);
}
const ignore = native === undefined && !envWantsNative();

function nt(): Backend {
  if (!native) throw new Error(`native backend unavailable: ${why}`);
  return native;
}

/** A test with a fresh device fd, closed (with `extra` fds) afterwards. */
function deviceTest(
  name: string,
  fn: (dev: number, fds: number[]) => void | Promise<void>,
): void {
  Deno.test({
    name,
    ignore,
    async fn() {
      const dev = nt().open();
      const fds: number[] = [];
      try {
        await fn(dev, fds);
      } finally {
        for (const fd of fds) nt().close(fd);
        nt().close(dev);
      }
    },
  });
}

function sem(dev: number, fds: number[], count: number, max: number): number {
  const fd = ops.createSem(nt(), dev, count, max);
  fds.push(fd);
  return fd;
}

function mutex(
  dev: number,
  fds: number[],
  owner: number,
  count: number,
): number {
  const fd = ops.createMutex(nt(), dev, owner, count);
  fds.push(fd);
  return fd;
}

function event(
  dev: number,
  fds: number[],
  manual: number,
  signaled: number,
): number {
  const fd = ops.createEvent(nt(), dev, manual !== 0, signaled !== 0);
  fds.push(fd);
  return fd;
}

function semState(fd: number): { count: number; max: number } {
  return ops.readSem(nt(), fd);
}

/** EVENT_READ as the struct's numbers (0 or 1). */
function eventState(fd: number): { manual: number; signaled: number } {
  const { manual, signaled } = ops.readEvent(nt(), fd);
  return { manual: +manual, signaled: +signaled };
}

/** Wait args for `objs` (registered), absolute timeout `ms` from now, owner 1. */
function waitArgs(objs: Int32Array, ms: number, extra: WaitFields = {}) {
  return ops.waitArgs(nt(), objs, {
    timeout: deadline(nt(), ms),
    owner: 1,
    ...extra,
  }).args;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

deviceTest("the backend is native and creates real objects", (dev, fds) => {
  assert.equal(nt().kind, "native");
  const s = sem(dev, fds, 1, 2);
  assert.ok(s > dev);
  assert.deepEqual(semState(s), { count: 1, max: 2 });
});

deviceTest(
  "EVENT_SET/RESET/PULSE with a bad argument change the event, then EFAULT",
  (dev, fds) => {
    const ev = event(dev, fds, 1, 0);
    assert.equal(
      errnoOf(() => nt().ioctl(ev, NTSYNC_IOC_EVENT_SET, null)),
      Errno.EFAULT,
    );
    assert.equal(eventState(ev).signaled, 1);
    assert.equal(
      errnoOf(() => nt().ioctl(ev, NTSYNC_IOC_EVENT_RESET, new Uint8Array(3))),
      Errno.EFAULT,
    );
    assert.equal(eventState(ev).signaled, 0);
    nt().ioctl(ev, NTSYNC_IOC_EVENT_SET, new Uint32Array(1));
    assert.equal(
      errnoOf(() => nt().ioctl(ev, NTSYNC_IOC_EVENT_PULSE, null)),
      Errno.EFAULT,
    );
    assert.equal(eventState(ev).signaled, 0);
  },
);

deviceTest(
  "SEM_RELEASE, MUTEX_UNLOCK, MUTEX_KILL with a bad argument: EFAULT, nothing changed",
  (dev, fds) => {
    const s = sem(dev, fds, 0, 5);
    const m = mutex(dev, fds, 7, 2);
    assert.equal(
      errnoOf(() => nt().ioctl(s, NTSYNC_IOC_SEM_RELEASE, null)),
      Errno.EFAULT,
    );
    assert.equal(
      errnoOf(() => nt().ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint8Array(3))),
      Errno.EFAULT,
    );
    assert.deepEqual(semState(s), { count: 0, max: 5 });
    assert.equal(
      errnoOf(() =>
        nt().ioctl(m, NTSYNC_IOC_MUTEX_UNLOCK, new Uint32Array([7]))
      ),
      Errno.EFAULT,
    );
    assert.equal(
      errnoOf(() => nt().ioctl(m, NTSYNC_IOC_MUTEX_KILL, null)),
      Errno.EFAULT,
    );
    const v = MutexArgs.alloc();
    nt().ioctl(m, NTSYNC_IOC_MUTEX_READ, v);
    assert.deepEqual(MutexArgs.read(v), { owner: 7, count: 2 });
  },
);

deviceTest(
  "a bad argument still gets the kernel's earlier errors first",
  (dev, fds) => {
    const ev = event(dev, fds, 0, 0);
    // wrong type before the copy
    assert.equal(
      errnoOf(() => nt().ioctl(ev, NTSYNC_IOC_SEM_READ, null)),
      Errno.EINVAL,
    );
    // object request on the device, device request on an object: ENOTTY
    assert.equal(
      errnoOf(() => nt().ioctl(dev, NTSYNC_IOC_EVENT_SET, null)),
      Errno.ENOTTY,
    );
    assert.equal(
      errnoOf(() => nt().ioctl(ev, NTSYNC_IOC_CREATE_SEM, null)),
      Errno.ENOTTY,
    );
    assert.equal(
      errnoOf(() => nt().ioctl(ev, NTSYNC_IOC_WAIT_ANY, null)),
      Errno.ENOTTY,
    );
    assert.equal(
      errnoOf(() => nt().ioctl(dev, NTSYNC_IOC_CREATE_SEM, null)),
      Errno.EFAULT,
    );
    assert.equal(
      errnoOf(() => nt().ioctl(dev, NTSYNC_IOC_WAIT_ALL, null)),
      Errno.EFAULT,
    );
  },
);

deviceTest(
  "objs not from addressOf is EFAULT, even when it is readable memory",
  (dev, fds) => {
    const s = sem(dev, fds, 1, 1);
    const stray = new Int32Array([s]);
    const raw = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(stray)));
    const args = WaitArgs.alloc({ timeout: 0n, objs: raw, count: 1, owner: 1 });
    assert.equal(
      errnoOf(() => nt().ioctl(dev, NTSYNC_IOC_WAIT_ANY, args)),
      Errno.EFAULT,
    );
    assert.deepEqual(semState(s), { count: 1, max: 1 }); // not acquired
    WaitArgs.write(args, { objs: nt().addressOf(stray) });
    assert.equal(nt().ioctl(dev, NTSYNC_IOC_WAIT_ANY, args), 0);
    assert.deepEqual(semState(s), { count: 0, max: 1 });
  },
);

deviceTest(
  "objs of a detached array, or too short for count, is EFAULT",
  (dev, fds) => {
    const s = sem(dev, fds, 2, 2);
    const gone = new Int32Array([s]);
    const at = nt().addressOf(gone);
    gone.buffer.transfer();
    const args = WaitArgs.alloc({ timeout: 0n, objs: at, count: 1, owner: 1 });
    assert.equal(
      errnoOf(() => nt().ioctl(dev, NTSYNC_IOC_WAIT_ANY, args)),
      Errno.EFAULT,
    );
    const one = new Int32Array([s]);
    const short = WaitArgs.alloc({
      timeout: 0n,
      objs: nt().addressOf(one),
      count: 2,
      owner: 1,
    });
    assert.equal(
      errnoOf(() => nt().ioctl(dev, NTSYNC_IOC_WAIT_ALL, short)),
      Errno.EFAULT,
    );
    assert.deepEqual(semState(s), { count: 2, max: 2 });
  },
);

deviceTest(
  "with bad objs, checks the kernel makes before reading objs still come first",
  (dev, fds) => {
    const s = sem(dev, fds, 1, 1);
    const good = new Int32Array([s]);
    const cases: [string, Partial<ReturnType<typeof WaitArgs.read>>][] = [
      ["pad", { pad: 1 }],
      ["flags", { flags: 2 }],
      ["owner 0", { owner: 0 }],
      ["count 65", { count: 65 }],
      ["count -1", { count: 0xffff_ffff }],
    ];
    for (const [what, change] of cases) {
      const withGood = WaitArgs.alloc({
        timeout: 0n,
        objs: nt().addressOf(good),
        count: 1,
        owner: 1,
        ...change,
      });
      const withBad = WaitArgs.alloc({
        ...WaitArgs.read(withGood),
        objs: 0x1000n,
      });
      const kernel = errnoOf(() =>
        nt().ioctl(dev, NTSYNC_IOC_WAIT_ALL, withGood)
      );
      const ours = errnoOf(() => nt().ioctl(dev, NTSYNC_IOC_WAIT_ALL, withBad));
      if (kernel === Errno.EINVAL) assert.equal(ours, Errno.EINVAL, what);
      else assert.equal(ours, Errno.EFAULT, `${what} (kernel: ${kernel})`);
    }
    // count 0 reads nothing: any objs is fine, WAIT_ALL succeeds at once.
    const none = WaitArgs.alloc({
      timeout: 0n,
      objs: 0x1000n,
      count: 0,
      owner: 1,
      index: 9,
    });
    assert.equal(nt().ioctl(dev, NTSYNC_IOC_WAIT_ALL, none), 0);
    assert.equal(WaitArgs.read(none).index, 0);
  },
);

deviceTest(
  "an interior objs address waits on the entries from there",
  (dev, fds) => {
    const a = sem(dev, fds, 0, 1);
    const b = sem(dev, fds, 1, 1);
    const objs = new Int32Array([a, a, b]);
    const args = WaitArgs.alloc({
      timeout: 0n,
      objs: nt().addressOf(objs) + 4n,
      count: 2,
      owner: 1,
    });
    assert.equal(nt().ioctl(dev, NTSYNC_IOC_WAIT_ANY, args), 0);
    assert.equal(WaitArgs.read(args).index, 1);
  },
);

deviceTest(
  "EOWNERDEAD from a wait writes index (sync and async)",
  async (dev, fds) => {
    const m = mutex(dev, fds, 5, 1);
    const objs = new Int32Array([m]);
    nt().ioctl(m, NTSYNC_IOC_MUTEX_KILL, new Uint32Array([5]));
    const args = waitArgs(objs, 0, { owner: 6, index: 9 });
    assert.equal(
      errnoOf(() => nt().ioctl(dev, NTSYNC_IOC_WAIT_ANY, args)),
      Errno.EOWNERDEAD,
    );
    assert.equal(WaitArgs.read(args).index, 0);
    // Owned by 6 now; 8 waits on a worker until 6 dies.
    const later = waitArgs(objs, 20_000, { owner: 8, index: 9 });
    const pending = errnoOfAsync(
      nt().ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, later),
    );
    nt().ioctl(m, NTSYNC_IOC_MUTEX_KILL, new Uint32Array([6]));
    assert.equal(await pending, Errno.EOWNERDEAD);
    assert.equal(WaitArgs.read(later).index, 0);
    const v = MutexArgs.alloc();
    nt().ioctl(m, NTSYNC_IOC_MUTEX_READ, v);
    assert.deepEqual(MutexArgs.read(v), { owner: 8, count: 1 });
  },
);

deviceTest(
  "ioctlAsync: satisfied at once, by a later release, or timed out",
  async (dev, fds) => {
    const s = sem(dev, fds, 1, 2);
    const objs = new Int32Array([sem(dev, fds, 0, 1), s]);
    const now = waitArgs(objs, 20_000);
    assert.equal(await nt().ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, now), 0);
    assert.equal(WaitArgs.read(now).index, 1);
    const later = waitArgs(objs, 20_000);
    const p = nt().ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, later);
    setTimeout(
      () => nt().ioctl(objs[0], NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1])),
      20,
    );
    assert.equal(await p, 0);
    assert.equal(WaitArgs.read(later).index, 0);
    const past = waitArgs(objs, -1);
    assert.equal(
      await errnoOfAsync(nt().ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, past)),
      Errno.ETIMEDOUT,
    );
    const t0 = performance.now();
    const soon = waitArgs(objs, 100);
    assert.equal(
      await errnoOfAsync(nt().ioctlAsync(dev, NTSYNC_IOC_WAIT_ALL, soon)),
      Errno.ETIMEDOUT,
    );
    assert.ok(performance.now() - t0 >= 90);
  },
);

deviceTest(
  "ioctlAsync returns once the wait is queued: a pulse right after reaches it",
  async (dev, fds) => {
    for (const manual of [0, 1]) {
      const ev = event(dev, fds, manual, 0);
      const objs = new Int32Array([ev]);
      const args = waitArgs(objs, 20_000);
      const p = nt().ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, args);
      nt().ioctl(ev, NTSYNC_IOC_EVENT_PULSE, new Uint32Array(1));
      assert.equal(await p, 0, `manual ${manual}`);
      assert.equal(eventState(ev).signaled, 0);
    }
  },
);

deviceTest(
  "two async waits on one semaphore are served in call order",
  async (dev, fds) => {
    const s = sem(dev, fds, 0, 2);
    const objs = new Int32Array([s]);
    const order: number[] = [];
    const first = nt().ioctlAsync(
      dev,
      NTSYNC_IOC_WAIT_ANY,
      waitArgs(objs, 20_000),
    )
      .then(() => order.push(1));
    const second = nt().ioctlAsync(
      dev,
      NTSYNC_IOC_WAIT_ANY,
      waitArgs(objs, 20_000),
    )
      .then(() => order.push(2));
    nt().ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
    await first;
    await sleep(50);
    assert.deepEqual(order, [1]);
    nt().ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
    await second;
    assert.deepEqual(order, [1, 2]);
  },
);

deviceTest(
  "on Deno, async waits run on its blocking pool and start no Worker; past its lanes, on the worker pool",
  async (dev, fds) => {
    const lanes = nonblockingWaits();
    if (lanes === null) return; // Node and Bun: the worker pool only
    const max = lanes.options.maxLanes, n = max + 4;
    const s = sem(dev, fds, 0, n);
    const objs = new Int32Array([s]);
    const order: number[] = [];
    const workers = waitPool().stats().workers;
    const waits = [];
    const base = queuedWaits(nt());
    for (let i = 0; i < max; i++) {
      const p = nt().ioctlAsync(
        dev,
        NTSYNC_IOC_WAIT_ANY,
        waitArgs(objs, 60_000),
      );
      waits.push(p.then(() => order.push(i)));
      assert.equal(lanes.busy, i + 1);
      // In the kernel's queue in call order (see the pulse test for "before
      // ioctlAsync returns"; here, order is what is checked below).
      await untilQueued(nt(), base, { more: i + 1 });
    }
    assert.equal(waitPool().stats().workers, workers, "no Worker started");
    for (let i = max; i < n; i++) {
      const p = nt().ioctlAsync(
        dev,
        NTSYNC_IOC_WAIT_ANY,
        waitArgs(objs, 60_000),
      );
      waits.push(p.then(() => order.push(i)));
    }
    assert.equal(lanes.busy, max);
    assert.ok(waitPool().stats().workers > workers, "the rest on workers");
    // One unit each wakes the oldest.
    for (let i = 0; i < max; i++) {
      nt().ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
      await waits[i];
      assert.deepEqual(order, [...Array(i + 1).keys()]);
    }
    nt().ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([n - max]));
    await Promise.all(waits);
    assert.equal(order.length, n);
    assert.equal(lanes.busy, 0);
    assert.deepEqual(semState(s), { count: 0, max: n });
    waitPool().trim();
  },
);

deviceTest(
  "on Deno, a nonblocking wait is confirmed asleep in the kernel before run() returns",
  async (dev, fds) => {
    if (nonblockingWaits() === null) return; // Node and Bun: no such waits
    const waits = new NonblockingWaits(libc(), { confirmMs: 60_000 });
    const s = sem(dev, fds, 0, 1);
    const objs = new Int32Array([s]);
    for (let i = 0; i < 3; i++) {
      const args = waitArgs(objs, 60_000);
      const running = waits.run({
        fd: dev,
        request: NTSYNC_IOC_WAIT_ANY,
        args: new Uint8Array(args.buffer, args.byteOffset, 40),
        objs,
        sliced: false,
      })!;
      // Seen in /proc/self/task: asleep in this ioctl (the count is 0, so
      // it cannot have ended yet).
      assert.equal(running.confirmed, true);
      nt().ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
      const o = await running.done;
      assert.deepEqual([o.result, o.index], [0, 0]);
    }
  },
);

deviceTest(
  "under load, every async wait's outcome is its own: acquired (index), abandoned (EOWNERDEAD, index), timed out",
  async (dev, fds) => {
    // Each wait has objects of its own, so its outcome is known; the main
    // thread fails calls of its own meanwhile (errno EBADF on this thread).
    const closed = 999_999; // never open: the kernel's EBADF
    const rounds = 12, width = 8;
    for (let round = 0; round < rounds; round++) {
      const waits = [];
      for (let i = 0; i < width; i++) {
        const kind = (round + i) % 3;
        const decoy = sem(dev, fds, 0, 1);
        const target = kind === 0
          ? sem(dev, fds, 0, 1)
          : kind === 1
          ? mutex(dev, fds, 9, 1)
          : event(dev, fds, 0, 0);
        const objs = new Int32Array([decoy, target]);
        const args = waitArgs(objs, kind === 2 ? 40 : 60_000, {
          owner: 3,
          index: 50,
        });
        const p = errnoOfAsync(
          nt().ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, args),
        ).then((e) => ({ e, index: WaitArgs.read(args).index }));
        waits.push({ kind, target, p });
      }
      for (const w of waits) {
        assert.equal(
          errnoOf(() =>
            nt().ioctl(closed, NTSYNC_IOC_SEM_READ, SemArgs.alloc())
          ),
          Errno.EBADF,
        );
        if (w.kind === 0) {
          nt().ioctl(w.target, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
        } else if (w.kind === 1) {
          nt().ioctl(w.target, NTSYNC_IOC_MUTEX_KILL, new Uint32Array([9]));
        }
      }
      for (const [i, w] of waits.entries()) {
        const want = [
          { e: 0, index: 1 },
          { e: Errno.EOWNERDEAD, index: 1 },
          { e: Errno.ETIMEDOUT, index: 50 },
        ][w.kind];
        assert.deepEqual(await w.p, want, `round ${round}, wait ${i}`);
      }
    }
  },
);

deviceTest(
  "closing fds after ioctlAsync returns does not disturb the wait",
  async (dev, fds) => {
    const s = sem(dev, fds, 0, 1);
    const gone = nt().ioctl(
      dev,
      NTSYNC_IOC_CREATE_SEM,
      SemArgs.alloc({ count: 0, max: 1 }),
    );
    const spare = nt().open();
    const objs = new Int32Array([gone, s]);
    const args = waitArgs(objs, 20_000);
    const p = nt().ioctlAsync(
      spare,
      NTSYNC_IOC_WAIT_ANY,
      WaitArgs.alloc({
        ...WaitArgs.read(args),
      }),
    );
    nt().close(gone); // an object of the wait: it stays alive for the wait
    assert.equal(await errnoOfAsync(p), Errno.EINVAL); // another instance's fds
    // Same instance: close the device fd and an object fd while waiting.
    const q = nt().ioctlAsync(
      dev,
      NTSYNC_IOC_WAIT_ANY,
      waitArgs(new Int32Array([s]), 20_000),
    );
    nt().close(spare);
    const t = nt().ioctl(
      dev,
      NTSYNC_IOC_CREATE_SEM,
      SemArgs.alloc({ count: 0, max: 1 }),
    );
    const r = nt().ioctlAsync(
      dev,
      NTSYNC_IOC_WAIT_ANY,
      waitArgs(new Int32Array([t]), 300),
    );
    nt().close(t); // nobody can release it now: the wait times out, as in the kernel
    nt().ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
    assert.equal(await q, 0);
    assert.equal(await errnoOfAsync(r), Errno.ETIMEDOUT);
  },
);

deviceTest(
  "abort without an alert: the private alert cancels; nothing acquired",
  async (dev, fds) => {
    const s = sem(dev, fds, 0, 1);
    const objs = new Int32Array([s]);
    for (const request of [NTSYNC_IOC_WAIT_ANY, NTSYNC_IOC_WAIT_ALL]) {
      const ctl = new AbortController();
      const args = waitArgs(objs, 20_000, { index: 7 });
      const p = nt().ioctlAsync(dev, request, args, { signal: ctl.signal });
      const reason = new Error("stop");
      ctl.abort(reason);
      await assert.rejects(p, (err: unknown) => err === reason);
      assert.equal(WaitArgs.read(args).index, 7);
    }
    nt().ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
    assert.deepEqual(semState(s), { count: 1, max: 1 }); // no wait took it
  },
);

deviceTest(
  "with the caller's alert and a signal: the alert reports index count, abort cancels",
  async (dev, fds) => {
    const s = sem(dev, fds, 0, 1);
    const alert = event(dev, fds, 0, 0);
    const objs = new Int32Array([s]);
    for (const request of [NTSYNC_IOC_WAIT_ANY, NTSYNC_IOC_WAIT_ALL]) {
      const ctl = new AbortController();
      const args = waitArgs(objs, 20_000, { alert });
      const p = nt().ioctlAsync(dev, request, args, { signal: ctl.signal });
      nt().ioctl(alert, NTSYNC_IOC_EVENT_SET, new Uint32Array(1));
      assert.equal(await p, 0);
      assert.equal(WaitArgs.read(args).index, 1); // = count: the alert
      const again = waitArgs(objs, 20_000, { alert });
      const q = nt().ioctlAsync(dev, request, again, { signal: ctl.signal });
      const t0 = performance.now();
      const reason = new Error("stop");
      const c2 = new AbortController();
      const r = nt().ioctlAsync(
        dev,
        request,
        waitArgs(objs, 20_000, { alert }),
        {
          signal: c2.signal,
        },
      );
      c2.abort(reason);
      await assert.rejects(r, (err: unknown) => err === reason);
      assert.ok(performance.now() - t0 < 10_000);
      nt().ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
      assert.equal(await q, 0);
      assert.equal(WaitArgs.read(again).index, 0);
    }
  },
);

deviceTest(
  "many concurrent async waits: each gets its own result and errno",
  async (dev, fds) => {
    const N = 16;
    const sems = Array.from({ length: N }, () => sem(dev, fds, 0, 1));
    // Even ones wait forever and get released; odd ones time out.
    const waits = sems.map((s, i) => {
      const args = waitArgs(new Int32Array([s]), i % 2 ? 300 : Infinity, {
        index: 99,
      });
      return errnoOfAsync(nt().ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, args))
        .then((errno) => ({ i, errno, index: WaitArgs.read(args).index }));
    });
    for (let i = 0; i < N; i += 2) {
      nt().ioctl(sems[i], NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
    }
    for (const { i, errno, index } of await Promise.all(waits)) {
      if (i % 2) {
        assert.equal(errno, Errno.ETIMEDOUT, `wait ${i}`);
        assert.equal(index, 99, `wait ${i}`);
      } else {
        assert.equal(errno, 0, `wait ${i}`);
        assert.equal(index, 0, `wait ${i}`);
        assert.deepEqual(semState(sems[i]), { count: 0, max: 1 });
      }
    }
  },
);

deviceTest(
  "a Worker terminated with an async wait pending: the wait's thread ends it later, writing to memory that is still there",
  async (dev, fds) => {
    const s = sem(dev, fds, 0, 1);
    const worker = new Worker(
      new URL("./_async_orphan_worker.ts", import.meta.url),
      { type: "module" },
    );
    const said = new Promise((resolve) => worker.onmessage = resolve);
    const before = queuedWaits(nt());
    worker.postMessage({ token: nt().share(), dev, sem: s });
    await said;
    await untilQueued(nt(), before);
    worker.terminate(); // its isolate goes; its wait stays in the kernel
    await sleep(200);
    // The release ends the orphaned wait (or reap did already): either way
    // the thread that ran it leaves the kernel, and this process goes on.
    nt().ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
    const deadlineMs = performance.now() + QUEUE_MS;
    while (queuedWaits(nt())! > before!) {
      assert.ok(performance.now() < deadlineMs, "the orphaned wait ended");
      await sleep(20);
    }
    // The heap is sound: allocate, and wait again on this thread.
    const junk = Array.from(
      { length: 20_000 },
      (_, i) => new Uint8Array(i % 97),
    );
    assert.equal(junk.length, 20_000);
    const objs = new Int32Array([s]);
    if (semState(s).count === 1) {
      nt().ioctl(dev, NTSYNC_IOC_WAIT_ANY, waitArgs(objs, 0)); // left over
    }
    const p = nt().ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, waitArgs(objs, 60_000));
    nt().ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
    assert.equal(await p, 0);
    assert.equal(semState(s).count, 0);
  },
);

deviceTest(
  "a Worker attached with share() waits on the same fds",
  async (dev, fds) => {
    const s = sem(dev, fds, 0, 1);
    const worker = new Worker(new URL("./_attach_worker.ts", import.meta.url), {
      type: "module",
    });
    try {
      const messages: unknown[] = [];
      const got = (n: number) =>
        new Promise<void>((resolve) => {
          const check = () =>
            messages.length >= n ? resolve() : setTimeout(check, 5);
          check();
        });
      worker.onmessage = (e) => messages.push(e.data);
      const before = queuedWaits(nt());
      worker.postMessage({ token: nt().share(), dev, sem: s });
      await got(1);
      assert.equal(messages[0], "waiting");
      // The release must meet the Worker's wait queued, so that it is the
      // shared fd's wait the release wakes.
      await untilQueued(nt(), before);
      nt().ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
      await got(2);
      assert.deepEqual(messages[1], {
        result: 0,
        index: 0,
        badFd: Errno.EBADF,
      });
    } finally {
      worker.terminate();
    }
  },
);

Deno.test({
  name: "a pending async wait keeps the process alive until it ends",
  ignore,
  async fn() {
    const fixture =
      new URL("./_keepalive_fixture.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-ffi", "--allow-read", fixture],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(180_000), // slow under qemu TCG
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.equal(new TextDecoder().decode(out.stdout).trim(), "ETIMEDOUT");
  },
});

Deno.test({
  name:
    "attachBackend(share()) in this thread is a new attachment: its own threadId, the same fds",
  ignore,
  fn() {
    const token = nt().share();
    const there = attachBackend(token);
    assert.notEqual(there, nt());
    assert.notEqual(there.threadId, nt().threadId);
    assert.equal(attachBackend(token), there, "the same token: the same one");
    const dev = nt().open();
    try {
      // An fd opened here is used there.
      const sem = there.ioctl(
        dev,
        NTSYNC_IOC_CREATE_SEM,
        new Uint32Array([1, 2]),
      );
      there.close(sem);
    } finally {
      nt().close(dev);
    }
  },
});
