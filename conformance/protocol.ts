/**
 * The messages between a conformance check and its thread Worker
 * (`thread_worker.ts`). Everything here is structured-cloneable plain data:
 * the worker builds its own `ntsync_wait_args` and fd array from it, with its
 * own backend's `addressOf`, exactly as a pthread would fill its own stack.
 *
 * @module
 */

import type { ShareToken } from "../core/backend.ts";

/** One wait ioctl for the thread to issue: the fields of `ntsync_wait_args`. */
export interface WaitJob {
  /** The device fd the wait is issued on. */
  readonly fd: number;
  /** `NTSYNC_IOC_WAIT_ANY` or `NTSYNC_IOC_WAIT_ALL`. */
  readonly request: number;
  /** Absolute timeout in ns (`U64_MAX` for infinite). */
  readonly timeout: bigint;
  /** The object fds, copied into the worker's own `int` array. */
  readonly objs: readonly number[];
  /** `count`; defaults to `objs.length`. */
  readonly count?: number;
  /** The `index` preset (the kernel ignores it); defaults to 0. */
  readonly index?: number;
  /** `flags`; defaults to 0. */
  readonly flags?: number;
  /** `owner`. */
  readonly owner: number;
  /** `alert` fd, 0 for none. */
  readonly alert?: number;
  /** `pad`; defaults to 0. */
  readonly pad?: number;
}

/** The stress loop of `stress_wait`, run by each of its threads. */
export interface StressJob {
  /** The device fd. */
  readonly device: number;
  /** The manual-reset event every thread first waits on. */
  readonly startEvent: number;
  /** The mutex guarding the counter. */
  readonly mutex: number;
  /** This thread's owner id (the C test uses `gettid()`). */
  readonly owner: number;
  /** How many lock/increment/unlock rounds. */
  readonly loops: number;
  /** One `u32`: the plain, non-atomic shared counter. */
  readonly counter: SharedArrayBuffer;
}

/** Main thread to worker. */
export type ToWorker =
  | { readonly kind: "attach"; readonly token: ShareToken }
  | { readonly kind: "wait"; readonly job: WaitJob }
  | { readonly kind: "stress"; readonly job: StressJob };

/** What the C `wait_thread` stores: `ret`, `errno`, and the args' `index`. */
export interface ThreadResult {
  /** The ioctl's return value (0 or -1). */
  readonly ret: number;
  /** errno after a failed ioctl, else 0. */
  readonly errno: number;
  /** `wait_args.index` after the call (its preset if nothing was written). */
  readonly index: number;
}

/** What a stress thread reports when its loop is done. */
export interface StressResult {
  /** How many of its ioctls failed (the C thread ignores them; we count). */
  readonly failures: number;
  /** The first failure, for the message. */
  readonly firstFailure?: string;
}

/** Worker to main thread. */
export type FromWorker =
  | { readonly kind: "ready" }
  | { readonly kind: "started" }
  | { readonly kind: "done"; readonly result: ThreadResult }
  | { readonly kind: "stress-done"; readonly result: StressResult }
  | { readonly kind: "error"; readonly message: string };
