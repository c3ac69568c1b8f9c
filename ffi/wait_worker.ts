/**
 * The wait worker: a thread that runs one blocking wait ioctl at a time,
 * synchronously, and reads its own `errno` right after it (a `nonblocking`
 * FFI call runs on a pool thread whose errno cannot be read reliably).
 *
 * The main thread and the worker share one small `SharedArrayBuffer` (a
 * "slot"): control words, the wait arguments and the fd array. The kernel
 * reads both from that shared memory, so the pointers stay valid whatever
 * the main thread's garbage collector does, and writes `index` there.
 *
 * The worker runs {@linkcode waitWorkerMain} (`wait_worker_main.ts`), started
 * from a `data:` URL of its text built here. On Deno it needs no read or
 * import permission then: its symbol table is a subset of `LIBC_SYMBOLS`,
 * passed as JSON, so there is still one table. On Node and Bun it imports
 * `libc.ts` (koffi, bun:ffi) by absolute URL.
 *
 * @module
 */

import { runtimeName } from "../host/runtime.ts";
import {
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  LIBC_NAME,
  LIBC_SYMBOLS,
} from "./libc.ts";
import { Errno } from "../uapi/errno.ts";
import { NTSYNC_WAIT_REALTIME } from "../uapi/ioctl.ts";
import { type WaitWorkerConfig, waitWorkerMain } from "./wait_worker_main.ts";

/** Index of each control word in the slot's `Int32Array`. */
export const C = {
  /** Main → worker: 0 idle, 1 run the job, 2 exit. */
  CMD: 0,
  /** Worker → main: 0 not started, 1 entering the ioctl, 2 done. */
  PHASE: 1,
  /** The ioctl's return value. */
  RESULT: 2,
  /** errno when RESULT is -1. */
  ERRNO: 3,
  /** The fd the ioctl is issued on. */
  FD: 4,
  /** The request code (as int32 bits). */
  REQUEST: 5,
  /** The worker thread's kernel tid (0 if unknown). */
  TID: 6,
  /** 1 once the worker is ready for jobs. */
  READY: 7,
  /** 1: point the args' `objs` at the slot's fd array. */
  HAS_OBJS: 8,
  /** 1: wait in slices, checking ABORT between them. */
  SLICE: 9,
  /** 1: the caller gave up; a sliced wait stops at its next slice end. */
  ABORT: 10,
} as const;

/** `C.CMD` values. */
export const CMD_IDLE = 0, CMD_RUN = 1, CMD_EXIT = 2;
/** `C.PHASE` values. */
export const PHASE_QUEUED = 0, PHASE_ENTERING = 1, PHASE_DONE = 2;

/** Byte offset of the 40-byte `ntsync_wait_args` in a slot. */
export const ARGS_OFFSET = 64;
/** Byte offset of the fd array (64 entries) in a slot. */
export const OBJS_OFFSET = 104;
/** Entries the slot's fd array holds. */
export const OBJS_CAPACITY = 64;
/** Bytes of one slot. */
export const SLOT_BYTES = 384;

/** How long one slice of a sliced (cancellable-by-polling) wait lasts. */
export const SLICE_NS = 50_000_000n;

/** This module's extension (`.ts` from source, `.js` in the npm build). */
const EXT = import.meta.url.slice(import.meta.url.lastIndexOf("."));

/** The constants and libc source {@linkcode waitWorkerMain} is given. */
function workerConfig(): WaitWorkerConfig {
  let lib: WaitWorkerConfig["libc"];
  if (runtimeName() === "deno") {
    // Inlined (a `data:` worker needs no read or import permission then):
    // a subset of the one table, so there is still one.
    const { ioctl, clock_gettime, __errno_location, gettid } = LIBC_SYMBOLS;
    lib = {
      dlopen: LIBC_NAME,
      symbols: { ioctl, clock_gettime, __errno_location, gettid },
    };
  } else {
    lib = { url: new URL(`./libc${EXT}`, import.meta.url).href };
  }
  return {
    C,
    CMD_IDLE,
    CMD_RUN,
    CMD_EXIT,
    PHASE_ENTERING,
    PHASE_DONE,
    ARGS_OFFSET,
    OBJS_OFFSET,
    OBJS_CAPACITY,
    SLICE_NS: String(SLICE_NS),
    WAIT_REALTIME: NTSYNC_WAIT_REALTIME,
    CLOCK_MONOTONIC,
    CLOCK_REALTIME,
    ETIMEDOUT: Errno.ETIMEDOUT,
    libc: lib,
  };
}

/**
 * The worker's program, as ES module source: {@linkcode waitWorkerMain}'s
 * own text, called with this runtime's {@linkcode workerConfig} as JSON.
 * The function's text must stay self-contained after every compiler it goes
 * through (Deno's, tsc's for npm, Bun's): `deno task test:npm` runs the
 * pool on Node and Bun from the built package.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workerSource } from "./wait_worker.ts";
 * assert.match(workerSource(), /^await \(async function waitWorkerMain\(/);
 * ```
 */
export function workerSource(): string {
  // The one line around the function: its call, with its configuration and
  // an `import()` of the worker module's own (see wait_worker_main.ts).
  return `await (${waitWorkerMain.toString()})(${
    JSON.stringify(workerConfig())
  }, (url) => import(url));\n`;
}
