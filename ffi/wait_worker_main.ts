/**
 * The wait worker's program: the one function a pool thread runs (see
 * `wait_worker.ts` for the slot it shares with the main thread).
 *
 * It is real code, type-checked and linted like the rest, but it never runs
 * in this module's scope: `wait_worker.ts` sends `waitWorkerMain.toString()`
 * to the Worker as a `data:` URL module. So the function is self-contained:
 * it imports nothing and reads no name of this module or any other; all it
 * needs comes in its arguments (plain JSON, and `import()` itself: tsc's
 * `rewriteRelativeImportExtensions` wraps an `import(variable)` written in
 * here in a helper of the module's scope) or from globals every runtime
 * has. A Worker loaded from a `data:` URL cannot resolve a relative import
 * (and on Deno would need read permission to load a file), and the npm
 * build's `tsc` output (target ES2022) keeps the function as plain
 * JavaScript, so its text runs alike on Deno, Node and Bun.
 *
 * @module
 */

/** The slot layout and constants the worker needs, as plain JSON. */
export interface WaitWorkerConfig {
  /** Index of each control word in the slot's `Int32Array`. */
  readonly C: {
    readonly CMD: number;
    readonly PHASE: number;
    readonly RESULT: number;
    readonly ERRNO: number;
    readonly FD: number;
    readonly REQUEST: number;
    readonly TID: number;
    readonly READY: number;
    readonly HAS_OBJS: number;
    readonly SLICE: number;
    readonly ABORT: number;
  };
  /** `C.CMD` values. */
  readonly CMD_IDLE: number;
  /** `C.CMD`: run the job in the slot. */
  readonly CMD_RUN: number;
  /** `C.CMD`: end the worker. */
  readonly CMD_EXIT: number;
  /** `C.PHASE`: about to enter the ioctl. */
  readonly PHASE_ENTERING: number;
  /** `C.PHASE`: the ioctl returned. */
  readonly PHASE_DONE: number;
  /** Byte offset of the 40-byte `ntsync_wait_args` in the slot. */
  readonly ARGS_OFFSET: number;
  /** Byte offset of the fd array in the slot. */
  readonly OBJS_OFFSET: number;
  /** Entries of the fd array. */
  readonly OBJS_CAPACITY: number;
  /** One slice of a sliced wait, in ns (a decimal string: JSON has no bigint). */
  readonly SLICE_NS: string;
  /** `NTSYNC_WAIT_REALTIME`. */
  readonly WAIT_REALTIME: number;
  /** `clock_gettime` clock ids. */
  readonly CLOCK_MONOTONIC: number;
  /** `CLOCK_REALTIME`. */
  readonly CLOCK_REALTIME: number;
  /** `ETIMEDOUT`. */
  readonly ETIMEDOUT: number;
  /**
   * How the worker gets libc. On Deno, `dlopen` of `name` with `symbols`
   * (a subset of `LIBC_SYMBOLS`): a `data:` Worker then needs no read or
   * import permission. Elsewhere, the absolute URL of `libc.js` to import
   * (koffi on Node, bun:ffi on Bun).
   */
  readonly libc:
    | { readonly dlopen: string; readonly symbols: unknown }
    | { readonly url: string };
}

/** What the worker calls in libc. */
interface WorkerSymbols {
  ioctl(fd: number, request: bigint, arg: Uint8Array): number;
  clock_gettime(clock: number, ts: BigInt64Array): number;
  gettid?: (() => number) | null;
}

/** The little of `globalThis.Deno` the worker uses (absent in the npm types). */
interface DenoWorkerFfi {
  dlopen(name: string, symbols: unknown): {
    symbols: WorkerSymbols & { __errno_location(): unknown };
  };
  UnsafePointer: {
    of(view: ArrayBufferView): unknown;
    value(pointer: unknown): number | bigint;
  };
  UnsafePointerView: {
    getArrayBuffer(pointer: unknown, length: number): ArrayBuffer;
  };
}

/** The little of `node:worker_threads`' `parentPort` the worker uses. */
interface WorkerPort {
  once(event: "message", listener: (sab: SharedArrayBuffer) => void): void;
  postMessage(message: string): void;
}

/**
 * The worker: load libc (on Node and Bun through `importModule`, the
 * worker module's own `import()`), then take the slot and run one job at a time until
 * told to exit. Self-contained (see the module doc): it must not call any
 * function or read any constant defined outside its own body.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { waitWorkerMain } from "./wait_worker_main.ts";
 * // Runnable on its own: a new Function over its text sees no module scope.
 * const standalone = new Function(`return (${waitWorkerMain.toString()});`)();
 * assert.equal(typeof standalone, "function");
 * ```
 */
export async function waitWorkerMain(
  k: WaitWorkerConfig,
  importModule: (url: string) => Promise<{ libc(): unknown }>,
): Promise<void> {
  const g = globalThis as unknown as {
    Deno?: DenoWorkerFfi;
    process: { getBuiltinModule(name: string): { parentPort: WorkerPort } };
  };
  const { parentPort } = g.process.getBuiltinModule("node:worker_threads");
  let S: WorkerSymbols;
  let errno: Int32Array;
  let addressOf: (view: ArrayBufferView) => bigint;
  if ("dlopen" in k.libc) {
    const D = g.Deno!;
    const lib = D.dlopen(k.libc.dlopen, k.libc.symbols).symbols;
    S = lib;
    errno = new Int32Array(
      D.UnsafePointerView.getArrayBuffer(lib.__errno_location(), 4),
    );
    addressOf = (v) => BigInt(D.UnsafePointer.value(D.UnsafePointer.of(v)));
  } else {
    const L = (await importModule(k.libc.url)).libc() as {
      symbols: WorkerSymbols;
      errno: Int32Array;
      addressOf(view: ArrayBufferView): bigint;
    };
    S = L.symbols;
    errno = L.errno;
    addressOf = (v) => L.addressOf(v);
  }
  const C = k.C;
  const SLICE_NS = BigInt(k.SLICE_NS);
  const NEVER = 1n << 63n; // ntsync_schedule(): at or above, no timeout
  const ts = new BigInt64Array(2);
  const now = (clock: number): bigint => {
    S.clock_gettime(clock, ts);
    return ts[0] * 1_000_000_000n + ts[1];
  };
  parentPort.once("message", (sab) => {
    const ctl = new Int32Array(sab, 0, 16);
    const args = new Uint8Array(sab, k.ARGS_OFFSET, 40);
    const dv = new DataView(sab, k.ARGS_OFFSET, 40);
    const objs = addressOf(
      new Uint8Array(sab, k.OBJS_OFFSET, k.OBJS_CAPACITY * 4),
    );
    ctl[C.TID] = S.gettid ? S.gettid() : 0;
    Atomics.store(ctl, C.READY, 1);
    Atomics.notify(ctl, C.READY);
    parentPort.postMessage("ready");
    for (;;) {
      Atomics.wait(ctl, C.CMD, k.CMD_IDLE);
      const cmd = Atomics.load(ctl, C.CMD);
      if (cmd === k.CMD_EXIT) break;
      if (cmd !== k.CMD_RUN) continue;
      // ntsync_wait_args: timeout at 0, objs at 8, flags at 24.
      if (ctl[C.HAS_OBJS]) dv.setBigUint64(8, objs, true);
      const fd = ctl[C.FD], request = BigInt(ctl[C.REQUEST] >>> 0);
      let r: number, e: number;
      if (!ctl[C.SLICE]) {
        Atomics.store(ctl, C.PHASE, k.PHASE_ENTERING);
        Atomics.notify(ctl, C.PHASE);
        r = S.ioctl(fd, request, args);
        e = r === -1 ? errno[0] : 0;
      } else {
        // No alert slot was free for the abort: wait in slices, looking at
        // ABORT between them.
        const until = dv.getBigUint64(0, true);
        const finite = until < NEVER;
        const clock = dv.getUint32(24, true) & k.WAIT_REALTIME
          ? k.CLOCK_REALTIME
          : k.CLOCK_MONOTONIC;
        for (;;) {
          const end = now(clock) + SLICE_NS;
          const last = finite && until <= end;
          dv.setBigUint64(0, last ? until : end, true);
          Atomics.store(ctl, C.PHASE, k.PHASE_ENTERING);
          Atomics.notify(ctl, C.PHASE);
          r = S.ioctl(fd, request, args);
          e = r === -1 ? errno[0] : 0;
          if (r !== -1 || e !== k.ETIMEDOUT || last) break;
          if (Atomics.load(ctl, C.ABORT)) break;
        }
      }
      ctl[C.RESULT] = r;
      ctl[C.ERRNO] = e;
      Atomics.store(ctl, C.CMD, k.CMD_IDLE);
      Atomics.store(ctl, C.PHASE, k.PHASE_DONE);
      Atomics.notify(ctl, C.PHASE);
    }
    // Nothing is left to run: the worker ends.
  });
}
