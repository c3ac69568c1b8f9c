/**
 * Real ioctl(2) calls through the native backend on fds this machine has
 * (/dev/null, a regular file, a closed number): the errno each one reports
 * is the one that call set, read at once on the calling thread.
 */

import assert from "node:assert/strict";
import { NativeBackend } from "../../ffi/native.ts";
import { libc } from "../../ffi/libc.ts";
import { NtsyncError } from "../../core/errors.ts";
import { Errno, NTSYNC_IOC, WaitArgs } from "../../uapi/mod.ts";
import { closedFd, closeFd, openFd, tempFileFd } from "./_fds.ts";
import { errnoOf } from "./_errors.ts";

// Loaded here, outside any test: the library stays loaded for the process
// (the resource sanitizer would count a load inside a test).
const lib = libc();
const FIONREAD = 0x541b;
const FIONBIO = 0x5421;

Deno.test("every ntsync request on /dev/null is the kernel's ENOTTY, with or without an argument", () => {
  const nt = new NativeBackend(lib);
  const fd = openFd("/dev/null");
  try {
    for (const [name, code] of Object.entries(NTSYNC_IOC)) {
      const size = (code >>> 16) & 0x3fff;
      for (const arg of [new Uint8Array(size), null, new Uint8Array(1)]) {
        assert.throws(
          () => nt.ioctl(fd, code, arg),
          (err: unknown) =>
            err instanceof NtsyncError && err.errno === Errno.ENOTTY &&
            err.message.startsWith(`${name}: ENOTTY`),
          name,
        );
      }
    }
  } finally {
    closeFd(fd);
  }
});

Deno.test("a closed fd is the kernel's EBADF; errno alternates with the call", () => {
  const nt = new NativeBackend(lib);
  const fd = openFd("/dev/null");
  const closed = closedFd();
  try {
    for (let i = 0; i < 500; i++) {
      const [target, want] = i % 2 ? [fd, Errno.ENOTTY] : [closed, Errno.EBADF];
      assert.equal(
        errnoOf(() => nt.ioctl(target, NTSYNC_IOC.NTSYNC_IOC_SEM_READ, null)),
        want,
      );
    }
    assert.equal(errnoOf(() => nt.close(closed)), Errno.EBADF);
  } finally {
    closeFd(fd);
  }
});

Deno.test("a bad request value is EBADF on a closed fd and ENOTTY on an open one", () => {
  const nt = new NativeBackend(lib);
  const fd = openFd("/dev/null");
  try {
    assert.equal(errnoOf(() => nt.ioctl(fd, 2 ** 33, null)), Errno.ENOTTY);
    assert.equal(
      errnoOf(() => nt.ioctl(closedFd(), 2 ** 33, null)),
      Errno.EBADF,
    );
  } finally {
    closeFd(fd);
  }
});

Deno.test("an unknown request's output lands in the view, and never past it", () => {
  const nt = new NativeBackend(lib);
  using file = tempFileFd(123);
  const whole = new Uint8Array(12).fill(0xee);
  const view = new Int32Array(whole.buffer, 4, 1);
  assert.equal(nt.ioctl(file.fd, FIONREAD, view), 0);
  assert.equal(view[0], 123); // FIONREAD: bytes left to read
  assert.deepEqual([...whole.subarray(0, 4)], [0xee, 0xee, 0xee, 0xee]);
  assert.deepEqual([...whole.subarray(8)], [0xee, 0xee, 0xee, 0xee]);
  // A 2-byte view: the kernel writes 4 bytes into the private copy; only 2
  // come back.
  const short = new Uint8Array(whole.buffer, 4, 2);
  whole.fill(0xee);
  assert.equal(nt.ioctl(file.fd, FIONREAD, short), 0);
  assert.deepEqual([...whole], [
    0xee,
    0xee,
    0xee,
    0xee,
    123,
    0,
    0xee,
    0xee,
    0xee,
    0xee,
    0xee,
    0xee,
  ]);
});

Deno.test("NULL really faults in the kernel: FIONBIO(NULL) is EFAULT", () => {
  const nt = new NativeBackend(lib);
  const fd = openFd("/dev/null");
  try {
    assert.equal(errnoOf(() => nt.ioctl(fd, FIONBIO, null)), Errno.EFAULT);
    assert.equal(nt.ioctl(fd, FIONBIO, new Int32Array([0])), 0);
  } finally {
    closeFd(fd);
  }
});

Deno.test("ioctlAsync of a wait on /dev/null fails at its first attempt, on this thread", async () => {
  const nt = new NativeBackend(lib);
  const fd = openFd("/dev/null");
  try {
    const objs = new Int32Array([fd]);
    const args = WaitArgs.alloc({
      timeout: 1n << 62n,
      objs: nt.addressOf(objs),
      count: 1,
      owner: 1,
    });
    await assert.rejects(
      nt.ioctlAsync(fd, NTSYNC_IOC.NTSYNC_IOC_WAIT_ANY, args),
      (err: unknown) => NtsyncError.is(err, "ENOTTY"),
    );
  } finally {
    closeFd(fd);
  }
});

Deno.test("now() follows the kernel's clocks", () => {
  const nt = new NativeBackend(lib);
  const a = nt.now();
  const b = nt.now("monotonic");
  assert.ok(b >= a);
  const wall = BigInt(Date.now()) * 1_000_000n;
  const rt = nt.now("realtime");
  assert.ok(rt - wall < 1_000_000_000n && wall - rt < 1_000_000_000n);
});
