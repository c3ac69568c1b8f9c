/**
 * The wait-worker pool: each job's errno is the one its own ioctl set on its
 * worker thread, under load and with the main thread failing calls of its
 * own meanwhile; queued jobs run in order; idle workers let the process end.
 */

import assert from "node:assert/strict";
import { WaitPool } from "../../ffi/wait_pool.ts";
import { libc } from "../../ffi/libc.ts";
import { NativeBackend } from "../../ffi/native.ts";
import { NtsyncError } from "../../core/errors.ts";
import {
  Errno,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_WAIT_ANY,
} from "../../uapi/mod.ts";
import { closedFd, closeFd, openFd, tempFileFd } from "./_fds.ts";

const lib = libc(); // loaded outside the tests: it stays loaded
const FIONREAD = 0x541b;

/** 40 bytes of wait args whose `index` field holds `id` (the kernel leaves it). */
function tagged(id: number): Uint8Array {
  const args = new Uint8Array(40);
  new DataView(args.buffer).setUint32(20, id, true);
  return args;
}

/** A WAIT_ANY tagged `id` on `fd` (not ntsync: it fails at once, index kept). */
function runTagged(pool: WaitPool, fd: number, id: number) {
  return pool.run({
    fd,
    request: NTSYNC_IOC_WAIT_ANY,
    args: tagged(id),
    objs: null,
    sliced: false,
  });
}

Deno.test("every job's errno is its own, under load, while the main thread fails calls too", async () => {
  const pool = new WaitPool({ maxWorkers: 6, maxIdle: 6 });
  const nt = new NativeBackend(lib);
  const devnull = openFd("/dev/null");
  const closed = closedFd();
  using file = tempFileFd(77);
  try {
    const kinds = [
      {
        fd: devnull,
        request: NTSYNC_IOC_WAIT_ANY,
        result: -1,
        errno: Errno.ENOTTY,
      },
      {
        fd: closed,
        request: NTSYNC_IOC_WAIT_ANY,
        result: -1,
        errno: Errno.EBADF,
      },
      { fd: file.fd, request: FIONREAD, result: 0, errno: 0 },
    ];
    const N = 150;
    const jobs = Array.from({ length: N }, (_, id) => {
      const k = kinds[id % kinds.length];
      const run = pool.run({
        fd: k.fd,
        request: k.request,
        args: tagged(id),
        objs: null,
        sliced: false,
      });
      return run.done.then((o) => ({ id, o, k }));
    });
    let settled = false;
    const all = Promise.all(jobs).finally(() => settled = true);
    let mainCalls = 0;
    while (!settled) {
      for (let i = 0; i < 50; i++, mainCalls++) {
        const [fd, want] = i % 2
          ? [devnull, Errno.ENOTTY]
          : [closed, Errno.EBADF];
        assert.throws(
          () => nt.ioctl(fd, NTSYNC_IOC_SEM_READ, null),
          (err: unknown) => err instanceof NtsyncError && err.errno === want,
        );
      }
      await new Promise((r) => setTimeout(r, 0));
    }
    for (const { id, o, k } of await all) {
      assert.equal(o.errno, k.errno, `job ${id}`);
      assert.equal(o.result, k.result, `job ${id}`);
      assert.equal(o.index, id, `job ${id}: its own slot`);
      assert.equal(o.skipped, false);
    }
    assert.ok(mainCalls > 0);
    assert.deepEqual(pool.stats(), { workers: 6, idle: 6, queued: 0 });
  } finally {
    pool.trim();
    closeFd(devnull);
  }
  assert.deepEqual(pool.stats(), { workers: 0, idle: 0, queued: 0 });
});

Deno.test("jobs beyond maxWorkers queue in order; aborting a queued one skips it", async () => {
  const pool = new WaitPool({ maxWorkers: 1, maxIdle: 1 });
  const devnull = openFd("/dev/null");
  try {
    const job = (id: number) => runTagged(pool, devnull, id);
    // The pool's only worker is still starting (a start takes milliseconds,
    // these calls microseconds; a starting worker never holds run()): the
    // first job is handed to it, the next two queue behind it, whatever
    // the machine's load.
    const first = job(1);
    const second = job(2);
    const third = job(3);
    assert.equal(first.confirmed, false);
    assert.equal(second.confirmed, false);
    assert.equal(third.confirmed, false);
    assert.deepEqual(pool.stats().queued, 2);
    second.abort();
    assert.deepEqual(pool.stats().queued, 1);
    const order: number[] = [];
    const [a, b, c] = await Promise.all(
      [first, second, third].map((r, i) =>
        r.done.then((o) => (order.push(i + 1), o))
      ),
    );
    // The queued job runs after the first one; the skipped one never runs.
    assert.ok(order.indexOf(1) < order.indexOf(3), `order ${order}`);
    assert.equal(a.errno, Errno.ENOTTY);
    assert.equal(a.index, 1);
    assert.deepEqual(b, {
      result: -1,
      errno: Errno.ETIMEDOUT,
      index: 0,
      skipped: true,
    });
    assert.equal(c.errno, Errno.ENOTTY);
    assert.equal(c.index, 3);
  } finally {
    pool.trim();
    closeFd(devnull);
  }
});

Deno.test("a ready worker's job holds run() until it is done (or asleep in the kernel)", async () => {
  // A hold long enough for any load (the default is 50 ms).
  const pool = new WaitPool({ maxWorkers: 1, maxIdle: 1, confirmMs: 60_000 });
  const devnull = openFd("/dev/null");
  try {
    const job = (id: number) => runTagged(pool, devnull, id);
    await job(0).done; // the worker started and is ready
    const ready = job(1);
    assert.equal(ready.confirmed, true);
    const outcome = await ready.done;
    assert.equal(outcome.errno, Errno.ENOTTY);
    assert.equal(outcome.index, 1);
  } finally {
    pool.trim();
    closeFd(devnull);
  }
});

Deno.test("a worker still starting never holds run(): the job is handed over unconfirmed and runs once the worker does", async () => {
  const pool = new WaitPool({ maxWorkers: 1, maxIdle: 1 });
  const devnull = openFd("/dev/null");
  try {
    const running = runTagged(pool, devnull, 7);
    // A fresh pool's worker cannot have started before run() returned: run
    // waited for nothing.
    assert.equal(running.confirmed, false);
    const outcome = await running.done;
    assert.equal(outcome.errno, Errno.ENOTTY);
    assert.equal(outcome.index, 7);
  } finally {
    pool.trim();
    closeFd(devnull);
  }
});

Deno.test("warmUp() starts a worker without a job, and the next run finds it", async () => {
  const pool = new WaitPool({ maxWorkers: 2, maxIdle: 2 });
  const devnull = openFd("/dev/null");
  try {
    pool.warmUp();
    assert.deepEqual(pool.stats(), { workers: 1, idle: 1, queued: 0 });
    pool.warmUp(); // one idle (starting) already: no second
    assert.deepEqual(pool.stats().workers, 1);
    const outcome = await runTagged(pool, devnull, 3).done;
    assert.equal(outcome.index, 3);
  } finally {
    pool.trim();
    closeFd(devnull);
  }
});

Deno.test("objs are copied into the slot and args.objs points at them", async () => {
  // FIONREAD writes 4 bytes at args+0; what matters here is that a job with
  // objs runs, and the objs pointer the worker set is inside its slot: the
  // worker rewrites args.objs, which the outcome does not show, so check
  // that a regular-file job with objs still succeeds and keeps its tag.
  const pool = new WaitPool({ maxWorkers: 1, maxIdle: 1 });
  using file = tempFileFd(5);
  try {
    const o = await pool.run({
      fd: file.fd,
      request: FIONREAD,
      args: tagged(42),
      objs: new Int32Array([1, 2, 3]),
      sliced: false,
    }).done;
    assert.deepEqual(o, { result: 0, errno: 0, index: 42, skipped: false });
  } finally {
    pool.trim();
  }
});

Deno.test("bad jobs are refused before reaching a worker", () => {
  const pool = new WaitPool();
  const base = { fd: 0, request: 0, objs: null, sliced: false };
  assert.throws(
    () => pool.run({ ...base, args: new Uint8Array(39) }),
    RangeError,
  );
  assert.throws(
    () =>
      pool.run({ ...base, args: new Uint8Array(40), objs: new Int32Array(65) }),
    RangeError,
  );
  assert.deepEqual(pool.stats(), { workers: 0, idle: 0, queued: 0 });
});

Deno.test("a process whose last wait is done exits, idle workers and all", async () => {
  const fixture = new URL("./_pool_exit_fixture.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-ffi", "--allow-read", fixture],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(180_000), // slow under qemu TCG
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "done 25 true");
});
