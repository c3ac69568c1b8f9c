/**
 * Async waits on Deno without a Worker: the wait's `ioctl` as a
 * `nonblocking` FFI call, which Deno runs on a thread of its blocking pool
 * (started in well under a millisecond, where a Worker's synchronous
 * constructor holds the event loop for tens of milliseconds, and for about
 * a second on a loaded machine). The first async wait of a program thus
 * holds its caller for no thread's start.
 *
 * That thread's errno cannot be read (it is not this thread's, and Deno
 * makes other calls on it). It is never needed: a wait the caller has just
 * polled with the same arguments (native_wait.ts) can only end in
 * - success: result 0, `index` written;
 * - EOWNERDEAD: result -1, `index` written (the kernel writes it for both);
 * - ETIMEDOUT: result -1, `index` untouched, and the wait's clock at or
 *   past its timeout (the kernel's timer has no slack: ntsync_schedule());
 * - an interruption (a signal without SA_RESTART): result -1 before the
 *   timeout. Anything else a call could fail with (ENOMEM) looks the same.
 *   Then the kernel is asked here, with the same arguments and a timeout
 *   in the past, on this thread, whose errno is read right away: ETIMEDOUT
 *   means nothing is free and the wait goes on; any other answer is the
 *   wait's. A timeout at or above 2^63, which the clock cannot settle
 *   (Linux 7.2 expires REALTIME ones at once), goes to the worker pool,
 *   which reads the kernel's errno where the call is made.
 * `index` is preset to 0xffffffff, which no wait writes (at most 64).
 *
 * Like the worker pool, `run` holds its caller until the wait is seen
 * asleep in the kernel (its thread found in `/proc/self/task`, state `S`,
 * in this very ioctl: thread_watch.ts) or done, at most `confirmMs`, so a
 * release, set or pulse issued right after `ioctlAsync` reaches it.
 *
 * Deno's blocking pool is shared with its file system and other work, and
 * bounded: at most `maxLanes` waits run here at once; beyond that, `run`
 * returns null and the wait goes to the worker pool (wait_pool.ts).
 *
 * @module
 */

import { Errno } from "../uapi/errno.ts";
import { NTSYNC_WAIT_REALTIME } from "../uapi/ioctl.ts";
import { HOST_LITTLE_ENDIAN as LE } from "../uapi/struct.ts";
import { WAIT } from "../uapi/structs.ts";
import { CLOCK_MONOTONIC, CLOCK_REALTIME, type Libc, libc } from "./libc.ts";
import { ioctlArgsText, IoctlSleeperFinder } from "./thread_watch.ts";
import {
  type RunningWait,
  type WaitJob,
  type WaitOutcome,
  waitPool,
} from "./wait_pool.ts";
import { OBJS_CAPACITY, SLICE_NS } from "./wait_worker.ts";

/** Timeouts at or above 2^63 never expire (ntsync_schedule()). */
const NEVER = 1n << 63n;
/** What `index` holds until the kernel writes it. */
const NO_INDEX = 0xffffffff;
/** Interruptions in a row before the wait gives up with EINTR. */
const MAX_RETRIES = 1000;
/** A lane's memory: the 40-byte args, then the fd array. */
const ARGS_BYTES = 40, BLOCK_BYTES = ARGS_BYTES + OBJS_CAPACITY * 4;

/** Tunables of {@linkcode NonblockingWaits}. */
export interface NonblockingWaitOptions {
  /** Most waits at once on Deno's blocking pool (the rest: `null`). */
  maxLanes: number;
  /** Longest the caller is held until the wait is seen in the kernel. */
  confirmMs: number;
}

/** Defaults for {@linkcode NonblockingWaitOptions}. */
export const DEFAULT_NONBLOCKING_OPTIONS: Readonly<NonblockingWaitOptions> =
  Object.freeze({ maxLanes: 8, confirmMs: 50 });

/** One wait in flight: its private memory and where it stands. */
interface Lane {
  readonly job: WaitJob;
  /** The args and fd array the kernel reads and writes (see `#block`). */
  readonly block: Uint8Array;
  readonly args: Uint8Array;
  readonly view: DataView;
  readonly request: bigint;
  readonly clock: number;
  /** The caller's timeout. */
  readonly until: bigint;
  /** The caller's `index`: the outcome's when the kernel writes none. */
  readonly index: number;
  /** The timeout of the call in flight (a slice's end when sliced). */
  timeout: bigint;
  /** The call in flight is the last (its timeout is the caller's). */
  last: boolean;
  aborted: boolean;
}

/**
 * Runs waits as nonblocking FFI calls (Deno only: see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NonblockingWaits } from "./nonblocking_wait.ts";
 * assert.equal(typeof NonblockingWaits.prototype.run, "function");
 * ```
 */
export class NonblockingWaits {
  readonly options: NonblockingWaitOptions;
  readonly #libc: Libc;
  readonly #call: NonNullable<Libc["symbols"]["ioctl_nonblocking"]>;
  readonly #finder: IoctlSleeperFinder;
  readonly #ts = new BigInt64Array(2);
  /** A word nobody notifies: `Atomics.wait` on it is a short sleep. */
  readonly #nap = new Int32Array(new SharedArrayBuffer(4));
  /** Lane memory no call is using, for the next ones. */
  readonly #spare: Uint8Array[] = [];
  #busy = 0;

  /**
   * @param lib a libc with `ioctl_nonblocking` (Deno's)
   * @param options tunables (defaults: {@linkcode DEFAULT_NONBLOCKING_OPTIONS})
   */
  constructor(lib: Libc, options: Partial<NonblockingWaitOptions> = {}) {
    const call = lib.symbols.ioctl_nonblocking;
    if (!call) throw new TypeError("NonblockingWaits: no ioctl_nonblocking");
    this.options = { ...DEFAULT_NONBLOCKING_OPTIONS, ...options };
    this.#libc = lib;
    this.#call = call;
    this.#finder = new IoctlSleeperFinder(lib);
  }

  /** Waits in flight now. */
  get busy(): number {
    return this.#busy;
  }

  /**
   * Start `job`; null (and nothing done) when `maxLanes` waits are in
   * flight already.
   */
  run(job: WaitJob): RunningWait | null {
    if (job.args.byteLength !== 40) {
      throw new RangeError("NonblockingWaits.run: args must be 40 bytes");
    }
    if (job.objs && job.objs.length > OBJS_CAPACITY) {
      throw new RangeError(
        `NonblockingWaits.run: at most ${OBJS_CAPACITY} objs`,
      );
    }
    if (this.#busy >= this.options.maxLanes) return null;
    const block = this.#block();
    const args = block.subarray(0, ARGS_BYTES);
    args.set(job.args);
    const view = new DataView(block.buffer, block.byteOffset, ARGS_BYTES);
    if (job.objs) {
      const objs = new Int32Array(
        block.buffer,
        block.byteOffset + ARGS_BYTES,
        job.objs.length,
      );
      objs.set(job.objs);
      view.setBigUint64(WAIT.objs, this.#libc.addressOf(objs), LE);
    }
    const lane: Lane = {
      job,
      block,
      args,
      view,
      request: BigInt(job.request >>> 0),
      clock: view.getUint32(WAIT.flags, LE) & NTSYNC_WAIT_REALTIME
        ? CLOCK_REALTIME
        : CLOCK_MONOTONIC,
      until: view.getBigUint64(WAIT.timeout, LE),
      index: view.getUint32(WAIT.index, LE),
      timeout: 0n,
      last: true,
      aborted: false,
    };
    this.#busy++;
    let call: Promise<number>;
    try {
      call = this.#issue(lane);
    } catch (err) {
      this.#end(lane);
      throw err;
    }
    const confirmed = this.#confirm(lane);
    const done = this.#settle(lane, call).finally(() => this.#end(lane));
    return {
      done,
      confirmed,
      abort: () => {
        lane.aborted = true;
      },
    };
  }

  /**
   * Memory for a lane: where the runtime has it, outside the JavaScript
   * heap, so that a call still in the kernel when this thread ends (a
   * Worker terminated while its async wait is pending; reap's alert then
   * wakes the wait) writes `index` to memory that is still there rather
   * than to a freed ArrayBuffer. Blocks are kept for the thread's life.
   */
  #block(): Uint8Array {
    return this.#spare.pop() ?? this.#libc.outside?.alloc(BLOCK_BYTES) ??
      new Uint8Array(BLOCK_BYTES);
  }

  /**
   * A lane's call has settled: its memory is free for the next (at most
   * `maxLanes` blocks are ever made, as many as calls run at once).
   */
  #end(lane: Lane): void {
    this.#busy--;
    this.#spare.push(lane.block);
  }

  /** The wait's next call, on a blocking-pool thread. */
  #issue(lane: Lane): Promise<number> {
    const { view, job } = lane;
    if (lane.job.sliced) {
      const end = this.#now(lane.clock) + SLICE_NS;
      lane.last = lane.until < NEVER && lane.until <= end;
      lane.timeout = lane.last ? lane.until : end;
    } else {
      lane.timeout = lane.until;
    }
    view.setBigUint64(WAIT.timeout, lane.timeout, LE);
    view.setUint32(WAIT.index, NO_INDEX, LE);
    return this.#call(job.fd, lane.request, lane.args);
  }

  /** What the wait ended with (see the module doc for how it is told). */
  async #settle(lane: Lane, call: Promise<number>): Promise<WaitOutcome> {
    const { view } = lane;
    for (let retries = 0;; call = this.#issue(lane)) {
      const result = await call;
      const index = view.getUint32(WAIT.index, LE);
      if (result === 0) return outcome(0, 0, index);
      if (index !== NO_INDEX) return outcome(-1, Errno.EOWNERDEAD, index);
      if (lane.timeout < NEVER && this.#now(lane.clock) >= lane.timeout) {
        if (lane.last || lane.aborted) {
          return outcome(-1, Errno.ETIMEDOUT, lane.index);
        }
        continue; // the next slice
      }
      const verdict = this.#pollHere(lane);
      if (verdict.errno !== Errno.ETIMEDOUT) return verdict;
      if (lane.aborted) return verdict;
      // A timeout at or above 2^63 cannot be told from an interruption by
      // the clock (Linux 7.2 expires REALTIME ones at once): the worker
      // pool runs the wait again and reads the kernel's own errno.
      if (lane.timeout >= NEVER) return await this.#onWorker(lane);
      if (++retries >= MAX_RETRIES) {
        return outcome(-1, Errno.EINTR, lane.index);
      }
    }
  }

  /** The wait, as the caller made it, on a worker of the pool. */
  async #onWorker(lane: Lane): Promise<WaitOutcome> {
    const args = lane.args.slice();
    const view = new DataView(args.buffer);
    view.setBigUint64(WAIT.timeout, lane.until, LE);
    view.setUint32(WAIT.index, lane.index, LE);
    const { job } = lane;
    return await waitPool().run({ ...job, args }).done;
  }

  /** The wait with a timeout in the past, on this thread (errno readable). */
  #pollHere(lane: Lane): WaitOutcome {
    const { view, job } = lane;
    view.setBigUint64(WAIT.timeout, 0n, LE);
    view.setUint32(WAIT.index, NO_INDEX, LE);
    const s = this.#libc.symbols;
    const result = s.ioctl(job.fd, lane.request, lane.args);
    const errno = result === -1 ? this.#libc.errno[0] : 0;
    const index = view.getUint32(WAIT.index, LE);
    return outcome(result, errno, index === NO_INDEX ? lane.index : index);
  }

  /**
   * Hold the caller until the wait's thread is asleep in this very ioctl,
   * or the wait wrote `index` (done), at most `confirmMs`.
   */
  #confirm(lane: Lane): boolean {
    const text = ioctlArgsText(
      lane.job.fd,
      lane.job.request,
      this.#libc.addressOf(lane.args),
    );
    const end = performance.now() + this.options.confirmMs;
    for (;;) {
      if (lane.view.getUint32(WAIT.index, LE) !== NO_INDEX) return true;
      const tid = this.#finder.find(text);
      if (tid === undefined) return false; // cannot tell here
      if (tid > 0) return true;
      if (performance.now() >= end) return false;
      // Let the pool thread run (two cores may be all there is).
      Atomics.wait(this.#nap, 0, 0, 0.02);
    }
  }

  #now(clock: number): bigint {
    this.#libc.symbols.clock_gettime(clock, this.#ts);
    return this.#ts[0] * 1_000_000_000n + this.#ts[1];
  }
}

function outcome(result: number, errno: number, index: number): WaitOutcome {
  return { result, errno, index, skipped: false };
}

let mine: NonblockingWaits | null | undefined;

/**
 * This thread's nonblocking waits, or null where the runtime has no
 * nonblocking FFI calls (Node, Bun: they use the worker pool).
 */
export function nonblockingWaits(): NonblockingWaits | null {
  if (mine === undefined) {
    const lib = libc();
    mine = lib.symbols.ioctl_nonblocking ? new NonblockingWaits(lib) : null;
  }
  return mine;
}
