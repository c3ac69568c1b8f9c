// The installed npm package, tested where users run it: Node (20 and
// newer) and Bun, from a fresh project that installed the packed tarball.
// Run by tools/test_npm.ts as `<runtime> package_test.mjs` inside that
// project; BACKEND=native runs the conformance on /dev/ntsync instead.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chooseAutoBackend,
  getBackend,
  NtsyncError,
  openDevice,
} from "@ntsync/ntsync";
import { EXTRA_CHECKS, SELFTESTS } from "@ntsync/ntsync/conformance";
import { Errno, NTSYNC_IOC_CREATE_SEM } from "@ntsync/ntsync/uapi";
import { runWorkerStress } from "./stress.mjs";

const kind = process.env.BACKEND ?? "emulated";
const runtime = typeof globalThis.Bun !== "undefined" ? "bun" : "node";
const pkg = new URL(".", import.meta.resolve("@ntsync/ntsync"));

for (const t of SELFTESTS) {
  test(`selftest ${t.name} (${kind}, ${runtime})`, async () => {
    await t.run(getBackend(kind));
  });
}

for (const t of EXTRA_CHECKS) {
  test(`conformance ${t.name} (${kind}, ${runtime})`, async () => {
    await t.run(getBackend(kind));
  });
}

test(`Workers: a mutex-protected counter and an event ping-pong (${kind}, ${runtime})`, async () => {
  const { counter, expected, rounds, pongs } = await runWorkerStress(kind);
  assert.equal(counter, expected);
  assert.equal(pongs, rounds);
});

test(`the typed API (${kind}, ${runtime})`, async () => {
  const dev = openDevice(kind);
  try {
    const sem = dev.createSemaphore(0, 2);
    assert.equal(dev.waitAny([sem], { timeout: 0 }).status, "timeout");
    const waiting = dev.waitAnyAsync([sem]);
    sem.release(1);
    assert.equal((await waiting).status, "signaled");
    assert.throws(() => sem.release(5), (e) => NtsyncError.is(e, "EOVERFLOW"));
  } finally {
    dev.close(); // closes the semaphore too
  }
});

test(`a detached buffer is EFAULT, not a TypeError (${kind}, ${runtime})`, () => {
  const nt = getBackend(kind);
  const dev = nt.open();
  try {
    const efault = (e) => e instanceof NtsyncError && e.errno === Errno.EFAULT;
    const args = new Uint32Array([0, 1]); // { count 0, max 1 }
    const dv = new DataView(args.buffer);
    nt.close(nt.ioctl(dev, NTSYNC_IOC_CREATE_SEM, args)); // the same view again below
    nt.close(nt.ioctl(dev, NTSYNC_IOC_CREATE_SEM, dv));
    structuredClone(args.buffer, { transfer: [args.buffer] });
    assert.equal(args.byteLength, 0);
    assert.throws(() => nt.ioctl(dev, NTSYNC_IOC_CREATE_SEM, args), efault);
    assert.throws(() => nt.ioctl(dev, NTSYNC_IOC_CREATE_SEM, dv), efault);
    const fresh = new Uint8Array(8);
    structuredClone(fresh.buffer, { transfer: [fresh.buffer] });
    assert.throws(() => nt.ioctl(dev, NTSYNC_IOC_CREATE_SEM, fresh), efault);
  } finally {
    nt.close(dev);
  }
});

test(`importing the package and using the emulated backend loads no FFI and no threads (${runtime})`, () => {
  const child = new URL("./no_ffi_child.mjs", import.meta.url).pathname;
  const r = spawnSync(process.execPath, [child], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.deepEqual(JSON.parse(r.stdout.trim().split("\n").at(-1)), []);
});

if (kind === "emulated") {
  test(`auto falls back to emulated with the reason (${runtime})`, () => {
    const { backend, reason } = chooseAutoBackend();
    assert.equal(backend.kind, "emulated");
    assert.match(reason, /ntsync/);
  });

  test(`the native backend's libc on ${runtime}: errno of a failing ioctl, on this thread`, async () => {
    const { libc, cString, O_RDONLY, O_CLOEXEC } = await import(
      new URL("./ffi/libc.js", pkg).href
    );
    const { NativeBackend } = await import(
      new URL("./ffi/native.js", pkg).href
    );
    const lib = libc();
    const fd = lib.symbols.open(cString("/dev/null"), O_RDONLY | O_CLOEXEC);
    assert.ok(fd >= 0, `open /dev/null: errno ${lib.errno[0]}`);
    const nt = new NativeBackend(lib);
    const args = new Uint8Array(8);
    assert.throws(
      () => nt.ioctl(fd, 0x40084e80, args), // NTSYNC_IOC_CREATE_SEM
      (e) => e instanceof NtsyncError && e.errno === Errno.ENOTTY,
    );
    nt.close(fd);
    assert.throws(
      () => nt.ioctl(fd, 0x40084e80, args),
      (e) => e instanceof NtsyncError && e.errno === Errno.EBADF,
    );
    const objs = new Int32Array(4);
    const at = nt.addressOf(objs);
    assert.ok(at > 0n);
    assert.equal(nt.addressOf(objs), at);
    assert.ok(nt.now() > 0n);
  });

  test(`the native wait pool on ${runtime}: a worker thread runs the ioctl and reads its own errno`, async () => {
    const { libc, cString, O_RDONLY, O_CLOEXEC } = await import(
      new URL("./ffi/libc.js", pkg).href
    );
    const { WaitPool } = await import(new URL("./ffi/wait_pool.js", pkg).href);
    const lib = libc();
    const fd = lib.symbols.open(cString("/dev/null"), O_RDONLY | O_CLOEXEC);
    const pool = new WaitPool({ maxIdle: 0 });
    try {
      const run = pool.run({
        fd,
        request: 0xc0284e82, // NTSYNC_IOC_WAIT_ANY
        args: new Uint8Array(40),
        objs: new Int32Array([fd]),
        sliced: false,
      });
      const out = await run.done;
      assert.equal(out.result, -1);
      assert.equal(out.errno, Errno.ENOTTY);
    } finally {
      pool.trim();
      lib.symbols.close(fd);
    }
  });
}

test(`the NT layer: threads on Workers, an abandoned mutex, an APC (${kind}, ${runtime})`, async () => {
  const nt = await import("@ntsync/ntsync/nt");
  const threads = new URL("./nt_threads.mjs", import.meta.url);
  const k32 = nt.Kernel32.open(kind);
  try {
    const mutex = k32.CreateMutexW(null, false, null);
    const held = k32.CreateEventW(null, true, false, null);
    const t1 = k32.CreateThread(threads, "hold_and_die", { mutex, held });
    assert.notEqual(t1, 0, `CreateThread: error ${k32.GetLastError()}`);
    assert.equal(k32.WaitForSingleObject(t1, 60_000), nt.WAIT_OBJECT_0);
    const code = new Uint32Array(1);
    assert.ok(k32.GetExitCodeThread(t1, code));
    assert.equal(code[0], 0x1234);
    assert.equal(k32.WaitForSingleObject(held, 0), nt.WAIT_OBJECT_0);
    // Its owner exited holding it: abandoned, and now ours.
    assert.equal(k32.WaitForSingleObject(mutex, 0), nt.WAIT_ABANDONED_0);
    assert.ok(k32.ReleaseMutex(mutex));
    assert.equal(k32.ReleaseMutex(mutex), false);
    assert.equal(k32.GetLastError(), nt.ERROR_NOT_OWNER);

    const ready = k32.CreateEventW(null, true, false, null);
    const ran = k32.CreateEventW(null, true, false, null);
    const t2 = k32.CreateThread(threads, "sleeper", { ready });
    assert.equal(k32.WaitForSingleObject(ready, 60_000), nt.WAIT_OBJECT_0);
    assert.notEqual(k32.QueueUserAPC(threads, "mark", t2, ran), 0);
    assert.equal(k32.WaitForSingleObject(t2, 60_000), nt.WAIT_OBJECT_0);
    assert.ok(k32.GetExitCodeThread(t2, code));
    assert.equal(code[0], 0, "its SleepEx returned WAIT_IO_COMPLETION");
    assert.equal(k32.WaitForSingleObject(ran, 0), nt.WAIT_OBJECT_0);
    for (const h of [mutex, held, t1, ready, ran, t2]) {
      assert.ok(k32.CloseHandle(h));
    }
    await k32.joinThreads();
  } finally {
    k32.close();
  }
});
