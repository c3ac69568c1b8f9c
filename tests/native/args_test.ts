/**
 * What the native backend hands to ioctl(2), seen through a fake libc: only
 * checked memory or NULL, the private copy of a wait's arguments with `objs`
 * kept only for live registered fd arrays, and the kernel's answer
 * (result, or errno) passed back unchanged.
 */

import assert from "node:assert/strict";
import { NativeBackend } from "../../ffi/native.ts";
import { NtsyncError } from "../../core/errors.ts";
import {
  Errno,
  NTSYNC_IOC,
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  WaitArgs,
} from "../../uapi/mod.ts";
import { FakeLibc } from "./_fake_libc.ts";
import { errnoOf } from "./_errors.ts";

const FIXED: [string, number, number][] = Object.entries(NTSYNC_IOC)
  .filter(([, code]) =>
    code !== NTSYNC_IOC_WAIT_ANY && code !== NTSYNC_IOC_WAIT_ALL
  )
  .map(([name, code]) => [name, code, (code >>> 16) & 0x3fff]);

function setup() {
  const fake = new FakeLibc();
  return { fake, nt: new NativeBackend(fake) };
}

function detachedView(): Uint8Array {
  const view = new Uint8Array(new ArrayBuffer(64));
  view.buffer.transfer();
  return view;
}

Deno.test("the 12 object/create requests: a view of the struct's size goes to the kernel as is", () => {
  assert.equal(FIXED.length, 12);
  for (const [name, code, size] of FIXED) {
    const { fake, nt } = setup();
    const exact = new Uint8Array(size);
    const longer = new DataView(new ArrayBuffer(size + 4));
    fake.answers.push({ result: 7 }, { result: 0 });
    assert.equal(nt.ioctl(3, code, exact), 7, name);
    assert.equal(nt.ioctl(3, code, longer), 0, name);
    assert.equal(fake.calls[0].arg, exact, name);
    assert.equal(fake.calls[1].arg, longer, name);
    assert.equal(fake.calls[0].request, code, name);
  }
});

Deno.test("null, short or detached arguments reach the kernel as NULL (its EFAULT at its own point)", () => {
  for (const [name, code, size] of FIXED) {
    const bad: unknown[] = [
      null,
      undefined,
      new Uint8Array(size - 1),
      new DataView(new ArrayBuffer(size), 1),
      detachedView(),
    ];
    const { fake, nt } = setup();
    for (const arg of bad) {
      fake.answers.push({ errno: Errno.EFAULT });
      const err = errnoOf(() =>
        nt.ioctl(3, code, arg as ArrayBufferView | null)
      );
      assert.equal(err, Errno.EFAULT, name);
    }
    // Every one was a kernel call with NULL: EVENT_SET/RESET/PULSE change
    // state before their copy, wrong types are EINVAL first, and so on.
    assert.equal(fake.calls.length, bad.length, name);
    for (const call of fake.calls) assert.equal(call.arg, null, name);
  }
});

Deno.test("an argument that is not a view is a TypeError naming it, and no kernel call", () => {
  for (const [name, code, size] of FIXED) {
    const { fake, nt } = setup();
    for (const arg of [5, {}, [0, 0], new ArrayBuffer(size)]) {
      assert.throws(
        () => nt.ioctl(3, code, arg as ArrayBufferView),
        (err: unknown) =>
          err instanceof TypeError && /\barg\b/.test(err.message),
        name,
      );
    }
    assert.equal(fake.calls.length, 0, name);
  }
});

Deno.test("the kernel's errno comes back as NtsyncError with the request's name", () => {
  const { fake, nt } = setup();
  fake.answers.push({ errno: Errno.EOVERFLOW });
  assert.throws(
    () => nt.ioctl(4, NTSYNC_IOC_EVENT_SET, new Uint32Array(1)),
    (err: unknown) =>
      err instanceof NtsyncError && err.errno === Errno.EOVERFLOW &&
      err.message.startsWith("NTSYNC_IOC_EVENT_SET: EOVERFLOW"),
  );
});

Deno.test("fd values that are not an int fd are EBADF without a kernel call", () => {
  const { fake, nt } = setup();
  for (const fd of [-1, 1.5, NaN, Infinity, 2 ** 31, "3", undefined, 2n]) {
    assert.equal(
      errnoOf(() => nt.ioctl(fd as number, NTSYNC_IOC_CREATE_SEM, null)),
      Errno.EBADF,
      String(fd),
    );
    assert.equal(errnoOf(() => nt.close(fd as number)), Errno.EBADF);
  }
  assert.equal(fake.calls.length, 0);
});

Deno.test("request values outside unsigned int are ENOTTY; a signed int code is the same code", () => {
  const { fake, nt } = setup();
  for (const req of [2 ** 32, -(2 ** 31) - 1, 1.5, NaN, "1", 5n]) {
    assert.equal(
      errnoOf(() => nt.ioctl(3, req as number, null)),
      Errno.ENOTTY,
      String(req),
    );
  }
  assert.equal(fake.calls.length, 0);
  fake.answers.push({ errno: Errno.ENOTTY });
  const signed = NTSYNC_IOC_WAIT_ANY | 0;
  assert.ok(signed < 0);
  assert.throws(
    () => nt.ioctl(3, signed, null),
    /^NtsyncError: NTSYNC_IOC_WAIT_ANY: ENOTTY/,
  );
  assert.equal(fake.calls[0].request, NTSYNC_IOC_WAIT_ANY);
});

Deno.test("a wait's arguments are copied; objs is kept only for a live registered array with room", () => {
  const { fake, nt } = setup();
  const fds = new Int32Array([5, 6, 7]);
  const at = nt.addressOf(fds);
  const cases: [string, bigint, number, bigint][] = [
    ["registered", at, 3, at],
    ["interior", at + 4n, 2, at + 4n],
    ["interior, too long", at + 4n, 3, 0n],
    ["too long", at, 4, 0n],
    ["unregistered", 0x1000n, 1, 0n],
    ["count 0", 0xdeadn, 0, 0n],
    ["count 65", at, 65, 0n],
    ["count 0xffffffff", at, 0xffff_ffff, 0n],
  ];
  for (const [what, objs, count, passed] of cases) {
    const args = WaitArgs.alloc({
      timeout: 123n,
      objs,
      count,
      owner: 9,
      alert: 4,
      pad: 1,
    });
    fake.calls.length = 0;
    nt.ioctl(3, NTSYNC_IOC_WAIT_ANY, args);
    const call = fake.calls[0];
    assert.notEqual(call.arg, args, what); // a private copy
    const seen = WaitArgs.read(new DataView(call.bytes!.buffer));
    assert.equal(seen.objs, passed, what);
    // Everything else is the caller's, for the kernel to judge.
    assert.deepEqual(
      { ...seen, objs: 0n },
      { ...WaitArgs.read(args), objs: 0n },
      what,
    );
  }
});

Deno.test("objs of a detached or shrunk array is NULL", () => {
  const { fake, nt } = setup();
  const gone = new Int32Array(4);
  const goneAt = nt.addressOf(gone);
  gone.buffer.transfer();
  const rab = new ArrayBuffer(16, { maxByteLength: 64 });
  const growing = new Int32Array(rab);
  const growingAt = nt.addressOf(growing);
  nt.ioctl(3, NTSYNC_IOC_WAIT_ALL, WaitArgs.alloc({ objs: goneAt, count: 1 }));
  nt.ioctl(
    3,
    NTSYNC_IOC_WAIT_ALL,
    WaitArgs.alloc({ objs: growingAt, count: 4 }),
  );
  rab.resize(8);
  nt.ioctl(
    3,
    NTSYNC_IOC_WAIT_ALL,
    WaitArgs.alloc({ objs: growingAt, count: 4 }),
  );
  nt.ioctl(
    3,
    NTSYNC_IOC_WAIT_ALL,
    WaitArgs.alloc({ objs: growingAt, count: 2 }),
  );
  const objs = fake.calls.map((c) =>
    WaitArgs.read(new DataView(c.bytes!.buffer)).objs
  );
  assert.deepEqual(objs, [0n, growingAt, 0n, growingAt]);
});

Deno.test("a wait writes back only index, on success and on EOWNERDEAD", () => {
  const { fake, nt } = setup();
  fake.onIoctl = (_call, buf) => {
    // The kernel writes index; pretend it also scribbled on its copy.
    const dv = new DataView(buf!.buffer, buf!.byteOffset, 40);
    dv.setUint32(20, 3, true);
    dv.setUint32(32, 77, true);
  };
  const args = WaitArgs.alloc({ timeout: 5n, count: 0, alert: 2, index: 99 });
  assert.equal(nt.ioctl(3, NTSYNC_IOC_WAIT_ANY, args), 0);
  assert.deepEqual(WaitArgs.read(args), {
    ...WaitArgs.read(WaitArgs.alloc({ timeout: 5n, alert: 2 })),
    index: 3,
  });
  args.setUint32(20, 99, true);
  fake.answers.push({ errno: Errno.EOWNERDEAD });
  assert.equal(
    errnoOf(() => nt.ioctl(3, NTSYNC_IOC_WAIT_ANY, args)),
    Errno.EOWNERDEAD,
  );
  assert.equal(WaitArgs.read(args).index, 3);
  args.setUint32(20, 99, true);
  fake.answers.push({ errno: Errno.ETIMEDOUT });
  assert.equal(
    errnoOf(() => nt.ioctl(3, NTSYNC_IOC_WAIT_ANY, args)),
    Errno.ETIMEDOUT,
  );
  assert.equal(WaitArgs.read(args).index, 99);
});

Deno.test("a wait's arguments may live in shared memory", () => {
  const { fake, nt } = setup();
  const shared = new DataView(new SharedArrayBuffer(48), 8);
  WaitArgs.write(shared, { count: 0, owner: 1 });
  fake.onIoctl = (_c, buf) => new DataView(buf!.buffer).setUint32(20, 1, true);
  nt.ioctl(3, NTSYNC_IOC_WAIT_ALL, shared);
  assert.equal(WaitArgs.read(shared).index, 1);
  assert.equal(WaitArgs.read(shared).owner, 1);
});

Deno.test("an unknown request runs on a private 16 KiB copy; only the view's bytes come back", () => {
  const { fake, nt } = setup();
  const whole = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const view = whole.subarray(2, 4);
  fake.onIoctl = (call, buf) => {
    assert.deepEqual([...call.bytes!.subarray(0, 3)], [3, 4, 0]);
    buf!.fill(0xab);
  };
  assert.equal(nt.ioctl(3, 0x541b, view), 0);
  const call = fake.calls[0];
  assert.notEqual(call.arg, view);
  assert.equal(call.bytes!.length, 16384);
  assert.deepEqual([...whole], [1, 2, 0xab, 0xab, 5, 6, 7, 8]);
  fake.onIoctl = undefined;
  nt.ioctl(3, 0x541b, null);
  assert.equal(fake.calls[1].arg, null);
});

Deno.test("ioctlAsync of a non-wait request runs at once", () => {
  const { fake, nt } = setup();
  fake.answers.push({ errno: Errno.EINVAL });
  const p = nt.ioctlAsync(3, NTSYNC_IOC_CREATE_SEM, new Uint8Array(8));
  assert.equal(fake.calls.length, 1); // before any await
  return assert.rejects(p, (err: unknown) => NtsyncError.is(err, "EINVAL"));
});

Deno.test("ioctlAsync first tries the wait with a past timeout, on this thread", async () => {
  const { fake, nt } = setup();
  fake.onIoctl = (_c, buf) => new DataView(buf!.buffer).setUint32(20, 2, true);
  const args = WaitArgs.alloc({ timeout: 1n << 62n, count: 0, owner: 1 });
  assert.equal(await nt.ioctlAsync(3, NTSYNC_IOC_WAIT_ALL, args), 0);
  assert.equal(fake.calls.length, 1);
  assert.equal(
    WaitArgs.read(new DataView(fake.calls[0].bytes!.buffer)).timeout,
    0n,
  );
  assert.equal(WaitArgs.read(args).index, 2);
  assert.equal(WaitArgs.read(args).timeout, 1n << 62n); // the caller's, untouched
  // Nothing acquirable and the deadline (fake clock: 100 s) already past:
  // ETIMEDOUT without a worker, as the kernel would answer.
  fake.onIoctl = undefined;
  fake.answers.push({ errno: Errno.ETIMEDOUT });
  WaitArgs.write(args, { timeout: 5n, index: 9 });
  await assert.rejects(
    nt.ioctlAsync(3, NTSYNC_IOC_WAIT_ANY, args),
    (err: unknown) => NtsyncError.is(err, "ETIMEDOUT"),
  );
  assert.equal(WaitArgs.read(args).index, 9);
  // Argument errors come back from that first attempt.
  fake.answers.push({ errno: Errno.EINVAL });
  await assert.rejects(
    nt.ioctlAsync(3, NTSYNC_IOC_WAIT_ANY, args),
    (err: unknown) => NtsyncError.is(err, "EINVAL"),
  );
  assert.equal(fake.calls.length, 3);
});

Deno.test("ioctlAsync with an aborted signal rejects with its reason, no call", async () => {
  const { fake, nt } = setup();
  const reason = new Error("stop");
  await assert.rejects(
    nt.ioctlAsync(3, NTSYNC_IOC_WAIT_ANY, WaitArgs.alloc({ owner: 1 }), {
      signal: AbortSignal.abort(reason),
    }),
    (err: unknown) => err === reason,
  );
  assert.equal(fake.calls.length, 0);
});

Deno.test("now() reads clock_gettime as ns; a bad clock name is a TypeError", () => {
  const { nt } = setup();
  assert.equal(nt.now(), 100_000_000_000n);
  assert.equal(nt.now("realtime"), 100_000_000_000n);
  assert.throws(() => nt.now("boottime" as "monotonic"), TypeError);
});

Deno.test("share() is structured-cloneable and names this process", () => {
  const { nt } = setup();
  const token = nt.share();
  const clone = structuredClone(token);
  assert.equal(clone.kind, "native");
  assert.equal(clone.pid, Deno.pid);
  // A new thread id each time, and the shared memory reap revokes it through.
  assert.ok(typeof clone.thread === "number" && clone.thread > nt.threadId);
  assert.ok(clone.cell instanceof SharedArrayBuffer);
  assert.ok(clone.family instanceof SharedArrayBuffer);
  assert.notEqual(nt.share().thread, token.thread);
});
