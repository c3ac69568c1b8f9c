/**
 * The Worker that stands in for the selftests' pthreads.
 *
 * It attaches the backend it is given (the same fds, the same objects) and
 * then runs one BLOCKING ioctl per request, as the kernel test's
 * `wait_thread` does, posting back `{ret, errno, index}`. The wait args and
 * the fd array are built here from plain numbers with this thread's own
 * `addressOf`, so nothing but numbers crosses the thread boundary.
 *
 * @module
 */

import type { Backend } from "../core/backend.ts";
import { NtsyncError } from "../core/errors.ts";
import { attachBackend } from "../select/registry.ts";
import {
  MutexArgs,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  WaitArgs,
} from "../uapi/mod.ts";
import type {
  FromWorker,
  StressJob,
  StressResult,
  ThreadResult,
  ToWorker,
  WaitJob,
} from "./protocol.ts";
import { parentScope } from "../host/threads.ts";

const parent = parentScope<ToWorker>();

const U64_MAX = 0xffff_ffff_ffff_ffffn;

let nt: Backend | undefined;

function post(msg: FromWorker): void {
  parent.postMessage(msg);
}

function backend(): Backend {
  if (!nt) throw new Error("thread_worker: no backend attached yet");
  return nt;
}

/**
 * Run the wait's own code path once with nothing to wait for (count 0, a
 * deadline in the past: ETIMEDOUT at once, no object touched), so that
 * between "started" and the kernel's queue the thread runs code already
 * compiled and FFI bindings already made. The C test's pthread has no such
 * gap to close; under qemu a first call's compilation alone can outlast the
 * 100 ms "still blocked" window.
 */
function warmUp(b: Backend, fd: number, request: number): void {
  if (request !== NTSYNC_IOC_WAIT_ANY && request !== NTSYNC_IOC_WAIT_ALL) {
    return;
  }
  const objs = new Int32Array(1);
  const args = WaitArgs.alloc({
    timeout: 0n,
    objs: b.addressOf(objs),
    count: 0,
    owner: 1,
  });
  try {
    b.ioctl(fd, request, args);
  } catch (err) {
    if (!(err instanceof NtsyncError)) throw err;
  }
}

/** `wait_thread`: one blocking ioctl, its ret and errno, and the index. */
function runWait(job: WaitJob): ThreadResult {
  const b = backend();
  const objs = new Int32Array(job.objs);
  const args = WaitArgs.alloc({
    timeout: job.timeout,
    objs: job.objs.length > 0 ? b.addressOf(objs) : 0n,
    count: (job.count ?? job.objs.length) >>> 0,
    index: (job.index ?? 0) >>> 0,
    flags: (job.flags ?? 0) >>> 0,
    owner: job.owner >>> 0,
    alert: (job.alert ?? 0) >>> 0,
    pad: (job.pad ?? 0) >>> 0,
  });
  warmUp(b, job.fd, job.request);
  let ret: number;
  let errno = 0;
  // Posted just before the ioctl: the main thread then measures "still
  // blocked" from here, not from Worker start-up.
  post({ kind: "started" });
  try {
    ret = b.ioctl(job.fd, job.request, args);
  } catch (err) {
    if (!(err instanceof NtsyncError)) throw err;
    ret = -1;
    errno = err.errno;
  }
  return { ret, errno, index: WaitArgs.read(args).index };
}

/** `stress_thread`: wait for the start event, then lock/++/unlock. */
function runStress(job: StressJob): StressResult {
  const b = backend();
  const counter = new Uint32Array(job.counter);
  let failures = 0;
  let firstFailure: string | undefined;
  const note = (what: string, err: unknown) => {
    if (!(err instanceof NtsyncError)) throw err;
    failures++;
    firstFailure ??= `${what}: ${err.code}`;
  };
  const startObjs = new Int32Array([job.startEvent]);
  const mutexObjs = new Int32Array([job.mutex]);
  const args = WaitArgs.alloc({
    timeout: U64_MAX,
    count: 1,
    objs: b.addressOf(startObjs),
    owner: job.owner,
    index: 0xdeadbeef,
  });
  const unlock = MutexArgs.alloc();
  post({ kind: "started" });
  try {
    b.ioctl(job.device, NTSYNC_IOC_WAIT_ANY, args);
  } catch (err) {
    note("wait for the start event", err);
  }
  WaitArgs.write(args, { objs: b.addressOf(mutexObjs) });
  for (let i = 0; i < job.loops; i++) {
    try {
      b.ioctl(job.device, NTSYNC_IOC_WAIT_ANY, args);
    } catch (err) {
      note(`wait for the mutex, round ${i}`, err);
    }
    // Deliberately a plain read and write, not Atomics.add: only the
    // mutex's mutual exclusion keeps increments from being lost.
    counter[0] = counter[0] + 1;
    MutexArgs.write(unlock, { owner: job.owner, count: 0xdeadbeef });
    try {
      b.ioctl(job.mutex, NTSYNC_IOC_MUTEX_UNLOCK, unlock);
    } catch (err) {
      note(`unlock the mutex, round ${i}`, err);
    }
  }
  return { failures, firstFailure };
}

parent.onMessage((msg) => {
  try {
    switch (msg.kind) {
      case "attach":
        nt = attachBackend(msg.token);
        post({ kind: "ready" });
        break;
      case "wait":
        post({ kind: "done", result: runWait(msg.job) });
        break;
      case "stress":
        post({ kind: "stress-done", result: runStress(msg.job) });
        break;
    }
  } catch (err) {
    post({
      kind: "error",
      message: err instanceof Error
        ? `${err.name}: ${err.message}`
        : String(err),
    });
  }
});
