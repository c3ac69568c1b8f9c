/**
 * Deno's nonblocking waits (ffi/nonblocking_wait.ts): how each outcome is
 * told without the pool thread's errno, on a scripted `ioctl_nonblocking`
 * and on the real one (an fd that is not ntsync fails at once: the verdict
 * then comes from a call on this thread). The real kernel's waits run
 * through it in the VM (tests/native/device_test.ts).
 */

import assert from "node:assert/strict";
import { type Libc, libc, type LibcSymbols } from "../../ffi/libc.ts";
import { NonblockingWaits } from "../../ffi/nonblocking_wait.ts";
import { type WaitJob, waitPool } from "../../ffi/wait_pool.ts";
import { Errno, NTSYNC_IOC_WAIT_ANY } from "../../uapi/mod.ts";
import { closeFd, openFd } from "./_fds.ts";

const real = libc(); // loaded outside the tests: it stays loaded
const isDeno = real.symbols.ioctl_nonblocking !== undefined;

/** A monotonic time `ms` from now, in ns (the kernel's clock). */
function fromNow(ms: number): bigint {
  const ts = new BigInt64Array(2);
  real.symbols.clock_gettime(1, ts);
  return ts[0] * 1_000_000_000n + ts[1] + BigInt(Math.round(ms * 1e6));
}

/** Wait args: timeout (monotonic), `index` tagged, count 1. */
function job(timeout: bigint, opts: Partial<WaitJob> = {}): WaitJob {
  const args = new Uint8Array(40);
  const dv = new DataView(args.buffer);
  dv.setBigUint64(0, timeout, true);
  dv.setUint32(16, 1, true); // count
  dv.setUint32(20, 77, true); // index: the caller's
  return {
    fd: 5,
    request: NTSYNC_IOC_WAIT_ANY,
    args,
    objs: new Int32Array([9]),
    sliced: false,
    ...opts,
  };
}

/** What the scripted nonblocking call does with the args it is given. */
type Step = (args: DataView) => number | Promise<number>;

/** The real libc, with `ioctl_nonblocking` and `ioctl` scripted. */
function scripted(steps: Step[], sync: Array<{ r: number; e?: number }>) {
  const calls = { nonblocking: 0, sync: 0, timeouts: [] as bigint[] };
  const errno = new Int32Array(1);
  const symbols: LibcSymbols = {
    ...real.symbols,
    ioctl_nonblocking: (_fd, _req, arg) => {
      const dv = new DataView(
        (arg as Uint8Array).buffer,
        (arg as Uint8Array).byteOffset,
      );
      calls.timeouts.push(dv.getBigUint64(0, true));
      const step = steps[calls.nonblocking++];
      if (!step) throw new Error("not scripted");
      return Promise.resolve(step(dv));
    },
    ioctl: (_fd, _req, arg) => {
      const dv = new DataView((arg as Uint8Array).buffer);
      assert.equal(dv.getBigUint64(0, true), 0n, "a poll: timeout 0");
      const answer = sync[calls.sync++];
      if (!answer) throw new Error("not scripted");
      if (answer.r === -1) errno[0] = answer.e!;
      else dv.setUint32(20, 0, true);
      return answer.r;
    },
  };
  const lib: Libc = { ...real, symbols, errno };
  return { waits: new NonblockingWaits(lib, { confirmMs: 1 }), calls };
}

/** Resolves -1 once `ms` have passed (the kernel's timeout). */
const sleepThenFail = (ms: number): Step => () =>
  new Promise((r) => setTimeout(() => r(-1), ms));

Deno.test("success and EOWNERDEAD are told by the index the kernel wrote", async () => {
  const { waits } = scripted([
    (dv) => (dv.setUint32(20, 2, true), 0),
    (dv) => (dv.setUint32(20, 1, true), -1),
  ], []);
  const a = waits.run(job(fromNow(10_000)))!;
  assert.deepEqual(await a.done, {
    result: 0,
    errno: 0,
    index: 2,
    skipped: false,
  });
  assert.equal(a.confirmed, true, "index written before run() returned");
  const b = waits.run(job(fromNow(10_000)))!;
  assert.deepEqual(await b.done, {
    result: -1,
    errno: Errno.EOWNERDEAD,
    index: 1,
    skipped: false,
  });
});

Deno.test("a failure at or past the timeout is ETIMEDOUT; index is the caller's", async () => {
  const { waits, calls } = scripted([sleepThenFail(30)], []);
  const w = waits.run(job(fromNow(20)))!;
  assert.equal(w.confirmed, false, "never seen in the kernel");
  const o = await w.done;
  assert.equal(o.errno, Errno.ETIMEDOUT);
  assert.equal(o.index, 77);
  assert.equal(calls.sync, 0, "no call here");
});

Deno.test("a failure before the timeout asks the kernel here: nothing free goes on waiting", async () => {
  const { waits, calls } = scripted([
    () => -1, // interrupted
    () => -1, // again
    (dv) => (dv.setUint32(20, 0, true), 0),
  ], [{ r: -1, e: Errno.ETIMEDOUT }, { r: -1, e: Errno.ETIMEDOUT }]);
  const o = await waits.run(job(fromNow(10_000)))!.done;
  assert.equal(o.result, 0);
  assert.equal(o.index, 0);
  assert.equal(calls.nonblocking, 3);
  assert.equal(calls.sync, 2);
  const until = calls.timeouts[0];
  assert.deepEqual(calls.timeouts, [until, until, until], "the same deadline");
});

Deno.test("a failure before the timeout asks the kernel here: its error or grant is the wait's", async () => {
  for (
    const [answer, want] of [
      [{ r: -1, e: Errno.EINVAL }, { result: -1, errno: Errno.EINVAL }],
      [{ r: -1, e: Errno.ENOMEM }, { result: -1, errno: Errno.ENOMEM }],
      [{ r: 0 }, { result: 0, errno: 0 }],
    ] as const
  ) {
    const { waits } = scripted([() => -1], [answer]);
    const o = await waits.run(job(fromNow(10_000)))!.done;
    assert.equal(o.result, want.result);
    assert.equal(o.errno, want.errno);
    assert.equal(o.index, want.result === 0 ? 0 : 77);
  }
});

Deno.test("a timeout at or above 2^63 that ends at once goes to the worker pool, which reads the kernel's errno", async () => {
  // The clock cannot tell Linux 7.2's at-once expiry of such a REALTIME
  // timeout from an interruption: the pool's worker makes the call again
  // (here on /dev/null: the kernel's ENOTTY) and reads its errno.
  const devnull = openFd("/dev/null");
  try {
    const { waits, calls } = scripted([() => -1], [{
      r: -1,
      e: Errno.ETIMEDOUT,
    }]);
    const o = await waits.run(job(1n << 63n, { fd: devnull }))!.done;
    assert.deepEqual([o.result, o.errno, o.index], [-1, Errno.ENOTTY, 77]);
    assert.equal(calls.nonblocking, 1);
  } finally {
    waitPool().trim();
    closeFd(devnull);
  }
});

Deno.test("a sliced wait runs in slices to its timeout, and stops at the slice after abort()", async () => {
  {
    const { waits, calls } = scripted([
      sleepThenFail(55),
      sleepThenFail(55),
      sleepThenFail(55),
    ], []);
    const until = fromNow(120);
    const o = await waits.run(job(until, { sliced: true }))!.done;
    assert.equal(o.errno, Errno.ETIMEDOUT);
    assert.equal(calls.nonblocking, 3);
    assert.ok(calls.timeouts[0] < until && calls.timeouts[1] < until);
    assert.equal(
      calls.timeouts[2],
      until,
      "the last slice ends at the timeout",
    );
  }
  {
    const { waits, calls } = scripted([sleepThenFail(55)], []);
    const w = waits.run(job(fromNow(10_000), { sliced: true }))!;
    w.abort();
    assert.equal((await w.done).errno, Errno.ETIMEDOUT);
    assert.equal(calls.nonblocking, 1);
  }
});

Deno.test("at most maxLanes waits at once: run() then returns null and starts nothing", async () => {
  let release!: (r: number) => void, calls = 0;
  const lib: Libc = {
    ...real,
    symbols: {
      ...real.symbols,
      ioctl_nonblocking: () => {
        calls++;
        return new Promise<number>((r) => release = r);
      },
    },
  };
  const devnull = openFd("/dev/null");
  try {
    const waits = new NonblockingWaits(lib, { maxLanes: 1, confirmMs: 1 });
    const w = waits.run(job(fromNow(10_000), { fd: devnull }))!;
    assert.equal(waits.busy, 1);
    assert.equal(waits.run(job(fromNow(10_000), { fd: devnull })), null);
    assert.equal(calls, 1);
    release(-1); // before the timeout: asked here, where /dev/null says ENOTTY
    const o = await w.done;
    assert.deepEqual([o.result, o.errno], [-1, Errno.ENOTTY]);
    assert.equal(waits.busy, 0);
  } finally {
    closeFd(devnull);
  }
});

Deno.test("a wait's args and fds are in memory outside the JS heap, reused once the call settles", async () => {
  const made: Uint8Array[] = [];
  const seen: Uint8Array[] = [];
  const lib: Libc = {
    ...real,
    outside: {
      alloc(bytes) {
        const view = real.outside?.alloc(bytes) ?? new Uint8Array(bytes);
        made.push(view);
        return view;
      },
    },
    symbols: {
      ...real.symbols,
      ioctl_nonblocking: (_fd, _req, arg) => {
        const a = arg as Uint8Array;
        seen.push(a);
        // What the kernel reads: args.objs points into the same block.
        const dv = new DataView(a.buffer, a.byteOffset, 40);
        const objsAt = dv.getBigUint64(8, true);
        assert.equal(objsAt, real.addressOf(a) + 40n);
        assert.equal(new Int32Array(a.buffer, a.byteOffset + 40, 1)[0], 9);
        dv.setUint32(20, 0, true);
        return Promise.resolve(0);
      },
    },
  };
  const waits = new NonblockingWaits(lib, { confirmMs: 1 });
  for (let i = 0; i < 3; i++) {
    assert.equal((await waits.run(job(fromNow(10_000)))!.done).result, 0);
  }
  assert.equal(made.length, 1, "one block, reused");
  assert.ok(seen.every((a) => a.buffer === made[0].buffer));
  if (isDeno) {
    // Deno's: malloc'd, an ArrayBuffer over memory V8 does not own.
    assert.ok(real.outside !== undefined);
  }
});

Deno.test("bad jobs are refused before anything runs", () => {
  const { waits, calls } = scripted([], []);
  assert.throws(
    () => waits.run(job(0n, { args: new Uint8Array(39) })),
    RangeError,
  );
  assert.throws(
    () => waits.run(job(0n, { objs: new Int32Array(65) })),
    RangeError,
  );
  assert.equal(calls.nonblocking + waits.busy, 0);
});

Deno.test({
  name:
    "on Deno's blocking pool: an fd that is not ntsync fails at once, and the verdict is this thread's errno (ENOTTY), under load",
  ignore: !isDeno,
  async fn() {
    const devnull = openFd("/dev/null");
    try {
      const waits = new NonblockingWaits(real, { maxLanes: 4, confirmMs: 5 });
      for (let round = 0; round < 25; round++) {
        const running = Array.from(
          { length: 4 },
          () => waits.run(job(fromNow(10_000), { fd: devnull }))!,
        );
        for (const r of running) {
          const o = await r.done;
          assert.deepEqual([o.result, o.errno, o.index], [
            -1,
            Errno.ENOTTY,
            77,
          ]);
        }
      }
      assert.equal(waits.busy, 0);
    } finally {
      closeFd(devnull);
    }
  },
});
