/**
 * The pool of wait workers behind the native `ioctlAsync` on Node and Bun,
 * and on Deno for the waits beyond its blocking-pool lanes
 * (nonblocking_wait.ts): each worker runs one blocking wait at a time on its
 * own thread, so the event loop stays free and every wait's errno is read
 * on the thread that made the call.
 *
 * Lifecycle:
 * - Workers start on demand (about 35 ms each), up to `maxWorkers`; beyond
 *   that, waits queue in FIFO order for the next free worker. While waits
 *   are running, one spare worker is kept starting or ready.
 * - A worker with a wait in progress is ref'd (it keeps the process alive,
 *   as a pending timer would); an idle one is unref'd, so it neither keeps
 *   the process alive nor counts as a leak in Deno's test sanitizers. At
 *   most `maxIdle` idle workers are kept; the others are terminated.
 * - Workers are `node:worker_threads` Workers because web Workers cannot be
 *   unref'd in Deno (an idle one keeps the process from exiting).
 *
 * When a wait is handed to a ready worker, {@linkcode WaitPool.run} blocks
 * the calling thread briefly (normally tens of microseconds, at most
 * `confirmMs`) until the worker is seen asleep inside the ioctl, i.e.
 * queued on its objects (see `thread_watch.ts`), or finished. So a release,
 * set or pulse issued right after `ioctlAsync` returns reaches the wait,
 * and two async waits queue in call order, as with the emulated backend.
 *
 * A worker that is still starting (its thread and script: about 35 ms, up
 * to a second on a busy machine) never holds the caller: the wait is handed
 * over at once and the worker takes it up as soon as it runs (`confirmed:
 * false`); until then it is not queued in the kernel, so a pulse issued
 * meanwhile can miss it. What does still hold the calling thread is the
 * runtime's Worker constructor itself: under a millisecond to a few on Node
 * and Bun (the thread starts behind it), but synchronous in Deno (36 to
 * 100 ms for a `node:worker_threads` Worker on a quiet 2-vCPU machine, up
 * to seconds under load), which is why Deno's waits run on its blocking
 * pool first (nonblocking_wait.ts). {@linkcode WaitPool.warmUp} pays it
 * ahead of a wait, at a moment the caller chooses, and `run` keeps one
 * spare worker starting or ready.
 *
 * @module
 */

import { type NodeWorker, threadsModule } from "../host/threads.ts";
import { HOST_LITTLE_ENDIAN as LE } from "../uapi/struct.ts";
import { Errno } from "../uapi/errno.ts";
import { libc } from "./libc.ts";
import { ThreadWatch } from "./thread_watch.ts";
import {
  ARGS_OFFSET,
  C,
  CMD_EXIT,
  CMD_RUN,
  OBJS_CAPACITY,
  OBJS_OFFSET,
  PHASE_DONE,
  PHASE_ENTERING,
  PHASE_QUEUED,
  SLOT_BYTES,
  workerSource,
} from "./wait_worker.ts";

/** One wait for a worker to run. */
export interface WaitJob {
  /** The (device) fd the ioctl is issued on. */
  readonly fd: number;
  /** The request code. */
  readonly request: number;
  /** The 40-byte `ntsync_wait_args`, copied into shared memory. */
  readonly args: Uint8Array;
  /**
   * The fds `args.objs` must point to, copied into shared memory, or null
   * to leave `args.objs` as it is.
   */
  readonly objs: Int32Array | null;
  /** Wait in slices and stop after `abort()` (when no alert slot is free). */
  readonly sliced: boolean;
}

/** How a job ended. */
export interface WaitOutcome {
  /** What ioctl returned. */
  readonly result: number;
  /** errno when `result` is -1, else 0. */
  readonly errno: number;
  /** The `index` field after the call. */
  readonly index: number;
  /** True when the job was aborted before it reached a worker. */
  readonly skipped: boolean;
}

/** A job handed to the pool. */
export interface RunningWait {
  /** Settles when the ioctl has returned (rejects if the worker died). */
  readonly done: Promise<WaitOutcome>;
  /**
   * Whether the wait was seen queued in the kernel (or finished) before
   * `run` returned; false when queued behind busy workers or when that could
   * not be observed.
   */
  readonly confirmed: boolean;
  /** Stop a sliced wait at its next slice end; drop a job still queued. */
  abort(): void;
}

/** Tunables of a pool. */
export interface WaitPoolOptions {
  /** Most workers at once (concurrent pending waits beyond this queue). */
  maxWorkers: number;
  /** Idle workers kept for later waits. */
  maxIdle: number;
  /** Longest the caller is held while a ready worker enters the kernel. */
  confirmMs: number;
  /**
   * Unused: a starting worker no longer holds the caller (kept so that
   * existing option objects still type-check).
   */
  bootMs: number;
}

/** Defaults for {@linkcode WaitPoolOptions}. */
export const DEFAULT_POOL_OPTIONS: Readonly<WaitPoolOptions> = Object.freeze({
  maxWorkers: 64,
  maxIdle: 4,
  confirmMs: 50,
  bootMs: 1000,
});

interface Pending {
  readonly job: WaitJob;
  readonly resolve: (o: WaitOutcome) => void;
  readonly reject: (e: unknown) => void;
  slot?: Slot;
  aborted: boolean;
  settled: boolean;
}

interface Slot {
  readonly worker: NodeWorker;
  readonly ctl: Int32Array<SharedArrayBuffer>;
  readonly bytes: Uint8Array<SharedArrayBuffer>;
  readonly view: DataView<SharedArrayBuffer>;
  watch?: ThreadWatch | null;
  pending?: Pending;
  dead: boolean;
}

let source: URL | undefined;

/** A pool of wait workers (one per thread: see {@linkcode waitPool}). */
export class WaitPool {
  readonly options: WaitPoolOptions;
  #slots = new Set<Slot>();
  #idle: Slot[] = [];
  #queue: Pending[] = [];

  /** @param options tunables (defaults: {@linkcode DEFAULT_POOL_OPTIONS}) */
  constructor(options: Partial<WaitPoolOptions> = {}) {
    this.options = { ...DEFAULT_POOL_OPTIONS, ...options };
  }

  /** Workers alive, idle, and jobs waiting for a worker (for tests). */
  stats(): { workers: number; idle: number; queued: number } {
    return {
      workers: this.#slots.size,
      idle: this.#idle.length,
      queued: this.#queue.length,
    };
  }

  /** Run `job` on a worker; see {@linkcode RunningWait}. */
  run(job: WaitJob): RunningWait {
    if (job.args.byteLength !== 40) {
      throw new RangeError("WaitPool.run: args must be 40 bytes");
    }
    if (job.objs && job.objs.length > OBJS_CAPACITY) {
      throw new RangeError(`WaitPool.run: at most ${OBJS_CAPACITY} objs`);
    }
    let resolve!: (o: WaitOutcome) => void, reject!: (e: unknown) => void;
    const done = new Promise<WaitOutcome>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const p: Pending = {
      job,
      resolve,
      reject,
      aborted: false,
      settled: false,
    };
    const abort = () => this.#abort(p);
    let slot = this.#idle.pop();
    if (slot === undefined && this.#slots.size < this.options.maxWorkers) {
      slot = this.#spawn();
    }
    if (slot === undefined) {
      this.#queue.push(p);
      return { done, confirmed: false, abort };
    }
    this.#dispatch(slot, p);
    // Keep one worker starting or ready, so the next wait rarely pays for
    // a start (about 35 ms) before it is confirmed.
    if (this.#idle.length === 0 && this.#slots.size < this.options.maxWorkers) {
      this.#idle.push(this.#spawn());
    }
    return { done, confirmed: this.#confirm(slot), abort };
  }

  /**
   * Start a worker now, unless one is idle or starting already: the first
   * wait then finds it ready. Holds the caller only for the Worker
   * constructor, never for the worker's start.
   */
  warmUp(): void {
    if (this.#idle.length === 0 && this.#slots.size < this.options.maxWorkers) {
      this.#idle.push(this.#spawn());
    }
  }

  /** Terminate every idle worker now (busy ones finish their wait first). */
  trim(): void {
    for (const slot of this.#idle.splice(0)) this.#retire(slot);
  }

  #spawn(): Slot {
    source ??= new URL(
      `data:text/javascript,${encodeURIComponent(workerSource())}`,
    );
    const sab = new SharedArrayBuffer(SLOT_BYTES);
    const worker = new (threadsModule().Worker)(source);
    const slot: Slot = {
      worker,
      ctl: new Int32Array(sab, 0, 16),
      bytes: new Uint8Array(sab),
      view: new DataView(sab),
      dead: false,
    };
    worker.on("error", (err: unknown) => this.#lose(slot, err));
    worker.on("exit", (code: number) => {
      this.#lose(slot, new Error(`ntsync wait worker exited (code ${code})`));
    });
    worker.postMessage(sab);
    // Ref'd until it has loaded libc and says so: a process that exited
    // while a Worker was inside koffi's load would abort (koffi throws into
    // the terminating thread, a fatal error in Node). Idle after that, it
    // is unref'd like the others.
    worker.on("message", () => {
      if (!slot.pending && !slot.dead) worker.unref();
    });
    this.#slots.add(slot);
    return slot;
  }

  #dispatch(slot: Slot, p: Pending): void {
    const { ctl, bytes } = slot;
    const { job } = p;
    bytes.set(job.args, ARGS_OFFSET);
    const n = job.objs?.length ?? 0;
    if (job.objs) {
      new Int32Array(bytes.buffer, OBJS_OFFSET, n).set(job.objs);
    }
    ctl[C.HAS_OBJS] = job.objs ? 1 : 0;
    ctl[C.FD] = job.fd;
    ctl[C.REQUEST] = job.request | 0;
    ctl[C.SLICE] = job.sliced ? 1 : 0;
    ctl[C.ABORT] = p.aborted ? 1 : 0;
    ctl[C.RESULT] = 0;
    ctl[C.ERRNO] = 0;
    Atomics.store(ctl, C.PHASE, PHASE_QUEUED);
    p.slot = slot;
    slot.pending = p;
    slot.worker.ref();
    Atomics.store(ctl, C.CMD, CMD_RUN);
    Atomics.notify(ctl, C.CMD);
    this.#await(slot, p);
  }

  /** Hold the caller until the worker is asleep in the ioctl, or done. */
  #confirm(slot: Slot): boolean {
    const { ctl } = slot;
    // Still starting: it takes the job up when it runs. Never hold the
    // caller (on the main thread: the event loop) for a thread's start.
    if (Atomics.load(ctl, C.READY) === 0) return false;
    const end = performance.now() + this.options.confirmMs;
    while (Atomics.load(ctl, C.PHASE) === PHASE_QUEUED) {
      const left = end - performance.now();
      if (left <= 0) return false;
      Atomics.wait(ctl, C.PHASE, PHASE_QUEUED, left);
    }
    if (slot.watch === undefined) {
      const tid = Atomics.load(ctl, C.TID);
      slot.watch = tid > 0 ? new ThreadWatch(libc(), tid) : null;
    }
    for (;;) {
      if (Atomics.load(ctl, C.PHASE) !== PHASE_ENTERING) return true; // done
      const asleep = slot.watch?.asleepInIoctl();
      if (asleep === undefined) return false; // cannot tell here
      if (asleep) return true;
      const left = end - performance.now();
      if (left <= 0) return false;
      // Let the worker run: a short sleep, woken early when it finishes.
      Atomics.wait(ctl, C.PHASE, PHASE_ENTERING, Math.min(left, 0.05));
    }
  }

  async #await(slot: Slot, p: Pending): Promise<void> {
    const { ctl } = slot;
    for (;;) {
      if (slot.dead || p.settled) return;
      const phase = Atomics.load(ctl, C.PHASE);
      if (phase === PHASE_DONE) break;
      const w = Atomics.waitAsync(ctl, C.PHASE, phase);
      if (w.async) await w.value;
    }
    const outcome: WaitOutcome = {
      result: ctl[C.RESULT],
      errno: ctl[C.ERRNO],
      index: slot.view.getUint32(ARGS_OFFSET + 20, LE),
      skipped: false,
    };
    slot.pending = undefined;
    p.settled = true;
    // Settle before the slot takes the next job: that job may finish (and
    // settle) synchronously inside #release.
    p.resolve(outcome);
    this.#release(slot);
  }

  #release(slot: Slot): void {
    slot.worker.unref();
    const next = this.#queue.shift();
    if (next) return this.#dispatch(slot, next);
    if (this.#idle.length >= this.options.maxIdle) this.#retire(slot);
    else this.#idle.push(slot);
  }

  #retire(slot: Slot): void {
    this.#slots.delete(slot);
    slot.dead = true;
    Atomics.store(slot.ctl, C.CMD, CMD_EXIT);
    Atomics.notify(slot.ctl, C.CMD);
  }

  #abort(p: Pending): void {
    if (p.settled) return;
    p.aborted = true;
    if (p.slot) {
      Atomics.store(p.slot.ctl, C.ABORT, 1);
      return;
    }
    const i = this.#queue.indexOf(p);
    if (i >= 0) this.#queue.splice(i, 1);
    p.settled = true;
    p.resolve({
      result: -1,
      errno: Errno.ETIMEDOUT,
      index: 0,
      skipped: true,
    });
  }

  /** A worker failed or exited: fail its job, forget it. */
  #lose(slot: Slot, err: unknown): void {
    const wasLive = this.#slots.delete(slot);
    slot.dead = true;
    const i = this.#idle.indexOf(slot);
    if (i >= 0) this.#idle.splice(i, 1);
    const p = slot.pending;
    slot.pending = undefined;
    if (p && !p.settled) {
      p.settled = true;
      p.reject(
        new Error("ntsync: a wait worker failed during a wait", { cause: err }),
      );
    }
    if (wasLive || p) {
      Atomics.store(slot.ctl, C.PHASE, PHASE_DONE);
      Atomics.notify(slot.ctl, C.PHASE);
    }
    // A job queued behind it still needs a worker.
    if (this.#queue.length > 0 && this.#slots.size < this.options.maxWorkers) {
      this.#dispatch(this.#spawn(), this.#queue.shift()!);
    }
  }
}

let pool: WaitPool | undefined;

/** This thread's wait pool (created on first use). */
export function waitPool(): WaitPool {
  return pool ??= new WaitPool();
}
