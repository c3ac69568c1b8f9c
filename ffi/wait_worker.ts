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
 * The worker is started from a `data:` URL built here. On Deno it needs no
 * read or import permission then: its symbol table is a subset of
 * `LIBC_SYMBOLS`, serialized, so there is still one table. On Node and Bun
 * it imports `libc.ts` (koffi, bun:ffi) by absolute URL.
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

/**
 * The worker's first lines, per runtime: they bind `S` (the libc symbols),
 * `errno` and `addressOf`. On Deno the table is inlined (a `data:` worker
 * needs no read or import permission then); elsewhere the worker imports
 * this module's own `libc` loader by its absolute URL.
 */
function prologue(): string {
  if (runtimeName() === "deno") {
    const { ioctl, clock_gettime, __errno_location, gettid } = LIBC_SYMBOLS;
    const symbols = JSON.stringify({
      ioctl,
      clock_gettime,
      __errno_location,
      gettid,
    });
    return `
const S = Deno.dlopen(${JSON.stringify(LIBC_NAME)}, ${symbols}).symbols;
const errno = new Int32Array(Deno.UnsafePointerView.getArrayBuffer(S.__errno_location(), 4));
const addressOf = (v) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(v)));
`;
  }
  const url = new URL(`./libc${EXT}`, import.meta.url).href;
  return `
const L = (await import(${JSON.stringify(url)})).libc();
const S = L.symbols;
const errno = L.errno;
const addressOf = (v) => L.addressOf(v);
`;
}

/** The worker's program, as ES module source. */
export function workerSource(): string {
  return `
const { parentPort } = process.getBuiltinModule("node:worker_threads");
const C = ${JSON.stringify(C)};
${prologue()}
const ts = new BigInt64Array(2);
function now(clock) {
  S.clock_gettime(clock, ts);
  return ts[0] * 1000000000n + ts[1];
}
parentPort.once("message", (sab) => {
  const ctl = new Int32Array(sab, 0, 16);
  const args = new Uint8Array(sab, ${ARGS_OFFSET}, 40);
  const dv = new DataView(sab, ${ARGS_OFFSET}, 40);
  const objs = addressOf(new Uint8Array(sab, ${OBJS_OFFSET}, ${
    OBJS_CAPACITY * 4
  }));
  ctl[C.TID] = S.gettid ? S.gettid() : 0;
  Atomics.store(ctl, C.READY, 1);
  Atomics.notify(ctl, C.READY);
  parentPort.postMessage("ready");
  for (;;) {
    Atomics.wait(ctl, C.CMD, ${CMD_IDLE});
    const cmd = Atomics.load(ctl, C.CMD);
    if (cmd === ${CMD_EXIT}) break;
    if (cmd !== ${CMD_RUN}) continue;
    if (ctl[C.HAS_OBJS]) dv.setBigUint64(8, objs, true);
    const fd = ctl[C.FD], request = BigInt(ctl[C.REQUEST] >>> 0);
    let r, e;
    if (!ctl[C.SLICE]) {
      Atomics.store(ctl, C.PHASE, ${PHASE_ENTERING});
      Atomics.notify(ctl, C.PHASE);
      r = S.ioctl(fd, request, args);
      e = r === -1 ? errno[0] : 0;
    } else {
      const until = dv.getBigUint64(0, true);
      const finite = until < (1n << 63n);
      const clock = dv.getUint32(24, true) & ${NTSYNC_WAIT_REALTIME} ? ${CLOCK_REALTIME} : ${CLOCK_MONOTONIC};
      for (;;) {
        const end = now(clock) + ${SLICE_NS}n;
        const last = finite && until <= end;
        dv.setBigUint64(0, last ? until : end, true);
        Atomics.store(ctl, C.PHASE, ${PHASE_ENTERING});
        Atomics.notify(ctl, C.PHASE);
        r = S.ioctl(fd, request, args);
        e = r === -1 ? errno[0] : 0;
        if (r !== -1 || e !== ${Errno.ETIMEDOUT} || last) break;
        if (Atomics.load(ctl, C.ABORT)) break;
      }
    }
    ctl[C.RESULT] = r;
    ctl[C.ERRNO] = e;
    Atomics.store(ctl, C.CMD, ${CMD_IDLE});
    Atomics.store(ctl, C.PHASE, ${PHASE_DONE});
    Atomics.notify(ctl, C.PHASE);
  }
  // Nothing is left to run: the worker ends.
});
`;
}
