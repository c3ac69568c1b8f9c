/**
 * The ioctl surface as checks, tests and benches drive it when a failure
 * should throw: object creation, state reads, the one builder of
 * `ntsync_wait_args`, and loop-friendly operations whose argument structs
 * are allocated once (a stress loop or a bench must not measure the
 * allocator). {@link ./calls.ts} builds the C-style forms (ret and errno as
 * data) on the same argument builders.
 *
 * Everything goes through `Backend.ioctl`, as external code would. This is
 * the one helper library for the surface: tests and benches import it (a
 * bench imports nothing from `tests/`).
 *
 * @module
 */

import {
  type Backend,
  EventArgs,
  HOST_LITTLE_ENDIAN,
  MutexArgs,
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  NtsyncError,
  SemArgs,
  WAIT,
  WaitArgs,
} from "../mod.ts";

/** `timeout` value that never expires (`UINT64_MAX`). */
export const FOREVER = 0xffff_ffff_ffff_ffffn;

/** The byte the selftests' `read_*_state` helpers fill their struct with. */
export const POISON = 0xcc;

/** A `size`-byte argument struct filled with {@linkcode POISON}. */
export function poisoned(size: number): DataView {
  const view = new DataView(new ArrayBuffer(size));
  new Uint8Array(view.buffer).fill(POISON);
  return view;
}

/**
 * The absolute monotonic timeout `ms` from now (negative: already past;
 * `Infinity`: {@linkcode FOREVER}).
 */
export function deadline(nt: Backend, ms: number): bigint {
  if (ms === Infinity) return FOREVER;
  return nt.now("monotonic") + BigInt(Math.round(ms * 1e6));
}

/** The fields of `ntsync_wait_args` a caller may choose; see {@linkcode waitArgs}. */
export interface WaitFields {
  /** Absolute timeout; default MONOTONIC now (a poll). */
  readonly timeout?: bigint;
  /** A raw `objs` value (0n for NULL, or a bad address) instead of the array's. */
  readonly objsAddress?: bigint;
  /** `count`; default the number of fds. */
  readonly count?: number;
  /** `index` preset; default 0. */
  readonly index?: number;
  /** `flags`; default 0. */
  readonly flags?: number;
  /** `owner`; default 123 (the selftests' owner). */
  readonly owner?: number;
  /** `alert`; default 0 (none). */
  readonly alert?: number;
  /** `pad`; default 0. */
  readonly pad?: number;
}

/**
 * `ntsync_wait_args` for `fds`, and the fd array its `objs` points at (keep
 * both alive: the args hold only the array's address). An `Int32Array` is
 * used as given, so a caller can point several waits at one array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getBackend, NTSYNC_IOC_WAIT_ANY, WaitArgs } from "../mod.ts";
 * import { createSem, FOREVER, waitArgs } from "./ops.ts";
 * const nt = getBackend("emulated");
 * const dev = nt.open();
 * const sem = createSem(nt, dev, 1, 1);
 * const { args } = waitArgs(nt, [sem], { timeout: FOREVER, owner: 1 });
 * nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args);
 * assert.equal(WaitArgs.read(args).index, 0);
 * nt.close(sem);
 * nt.close(dev);
 * ```
 */
export function waitArgs(
  nt: Backend,
  fds: readonly number[] | Int32Array,
  fields: WaitFields = {},
): { args: DataView; objs: Int32Array } {
  const objs = fds instanceof Int32Array ? fds : new Int32Array(fds);
  const args = WaitArgs.alloc({
    timeout: fields.timeout ?? nt.now("monotonic"),
    objs: fields.objsAddress ?? nt.addressOf(objs),
    count: fields.count ?? objs.length,
    index: fields.index ?? 0,
    flags: fields.flags ?? 0,
    owner: fields.owner ?? 123,
    alert: fields.alert ?? 0,
    pad: fields.pad ?? 0,
  });
  return { args, objs };
}

/** Create a semaphore `{count, max}`; its fd. */
export function createSem(
  nt: Backend,
  dev: number,
  count: number,
  max: number,
): number {
  return nt.ioctl(dev, NTSYNC_IOC_CREATE_SEM, SemArgs.alloc({ count, max }));
}

/** Create a mutex `{owner, count}` (unowned by default); its fd. */
export function createMutex(
  nt: Backend,
  dev: number,
  owner = 0,
  count = 0,
): number {
  return nt.ioctl(
    dev,
    NTSYNC_IOC_CREATE_MUTEX,
    MutexArgs.alloc({ owner, count }),
  );
}

/** Create an event; its fd. */
export function createEvent(
  nt: Backend,
  dev: number,
  manual: boolean,
  signaled: boolean,
): number {
  return nt.ioctl(
    dev,
    NTSYNC_IOC_CREATE_EVENT,
    EventArgs.alloc({ manual: +manual, signaled: +signaled }),
  );
}

/** SEM_READ. */
export function readSem(
  nt: Backend,
  fd: number,
): { count: number; max: number } {
  const v = SemArgs.alloc();
  nt.ioctl(fd, NTSYNC_IOC_SEM_READ, v);
  return SemArgs.read(v);
}

/** MUTEX_READ; an abandoned mutex (EOWNERDEAD) reads as `abandoned: true`. */
export function readMutex(
  nt: Backend,
  fd: number,
): { owner: number; count: number; abandoned: boolean } {
  const v = MutexArgs.alloc();
  try {
    nt.ioctl(fd, NTSYNC_IOC_MUTEX_READ, v);
  } catch (err) {
    if (err instanceof NtsyncError && err.code === "EOWNERDEAD") {
      return { ...MutexArgs.read(v), abandoned: true };
    }
    throw err;
  }
  return { ...MutexArgs.read(v), abandoned: false };
}

/** EVENT_READ, as booleans. */
export function readEvent(
  nt: Backend,
  fd: number,
): { manual: boolean; signaled: boolean } {
  const v = EventArgs.alloc();
  nt.ioctl(fd, NTSYNC_IOC_EVENT_READ, v);
  const { manual, signaled } = EventArgs.read(v);
  return { manual: manual !== 0, signaled: signaled !== 0 };
}

/**
 * Object operations with one preallocated 8-byte argument, for loops.
 * Each returns what the ioctl wrote back (the previous count or state).
 */
export class Ops {
  readonly #args = new DataView(new ArrayBuffer(8));
  readonly #words = new Uint32Array(this.#args.buffer);

  /** @param nt the backend every call goes through */
  constructor(readonly nt: Backend) {}

  /** SEM_RELEASE by `amount`; the previous count. */
  release(sem: number, amount = 1): number {
    this.#words[0] = amount;
    this.nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, this.#args);
    return this.#words[0];
  }

  /** MUTEX_UNLOCK for `owner`; the previous recursion count. */
  unlock(mutex: number, owner: number): number {
    this.#words[0] = owner;
    this.#words[1] = 0;
    this.nt.ioctl(mutex, NTSYNC_IOC_MUTEX_UNLOCK, this.#args);
    return this.#words[1];
  }

  /** MUTEX_KILL for `owner`. */
  kill(mutex: number, owner: number): void {
    this.#words[0] = owner;
    this.nt.ioctl(mutex, NTSYNC_IOC_MUTEX_KILL, this.#args);
  }

  /** EVENT_SET; the previous state (0 or 1). */
  set(event: number): number {
    this.nt.ioctl(event, NTSYNC_IOC_EVENT_SET, this.#args);
    return this.#words[0];
  }

  /** EVENT_PULSE; the previous state (0 or 1). */
  pulse(event: number): number {
    this.nt.ioctl(event, NTSYNC_IOC_EVENT_PULSE, this.#args);
    return this.#words[0];
  }
}

/** What a wait returned: the index, and whether an abandoned mutex came with it. */
export interface WaitOutcome {
  /** Index written back by the wait (`count` for the alert). */
  index: number;
  /** True when the wait failed EOWNERDEAD (the objects were still acquired). */
  abandoned: boolean;
}

/** Options of a {@linkcode Waiter}. */
export interface WaiterOptions {
  /** WAIT_ALL instead of WAIT_ANY. */
  all?: boolean;
  /** Owner id for mutexes (nonzero; default 1). */
  owner?: number;
  /** Alert fd (0: none). */
  alert?: number;
}

/** One wait (fixed fds, owner, alert), reusable: its args are built once. */
export class Waiter {
  readonly #nt: Backend;
  readonly #dev: number;
  readonly #request: number;
  readonly #args: DataView;
  // Kept referenced: the args hold only its address.
  readonly #objs: Int32Array;

  /**
   * @param nt the backend
   * @param dev the device fd the wait is issued on
   * @param fds the objects waited on
   * @param options kind, owner and alert
   */
  constructor(
    nt: Backend,
    dev: number,
    fds: readonly number[],
    options: WaiterOptions = {},
  ) {
    this.#nt = nt;
    this.#dev = dev;
    this.#request = options.all ? NTSYNC_IOC_WAIT_ALL : NTSYNC_IOC_WAIT_ANY;
    const wait = waitArgs(nt, fds, {
      timeout: FOREVER,
      owner: options.owner ?? 1,
      alert: options.alert ?? 0,
    });
    this.#args = wait.args;
    this.#objs = wait.objs;
  }

  /** Make the next waits for `owner` (a nonzero u32) instead. */
  setOwner(owner: number): void {
    this.#args.setUint32(WAIT.owner, owner, HOST_LITTLE_ENDIAN);
  }

  /**
   * Wait until `deadlineNs` (absolute, monotonic; FOREVER by default, 0n
   * polls). The index, or -1 on ETIMEDOUT; EOWNERDEAD is an outcome too.
   */
  wait(deadlineNs: bigint = FOREVER): WaitOutcome | null {
    this.#args.setBigUint64(WAIT.timeout, deadlineNs, HOST_LITTLE_ENDIAN);
    let abandoned = false;
    try {
      this.#nt.ioctl(this.#dev, this.#request, this.#args);
    } catch (err) {
      if (!(err instanceof NtsyncError)) throw err;
      if (err.code === "ETIMEDOUT") return null;
      if (err.code !== "EOWNERDEAD") throw err;
      abandoned = true;
    }
    return {
      index: this.#args.getUint32(WAIT.index, HOST_LITTLE_ENDIAN),
      abandoned,
    };
  }

  /** Wait forever; the index (an abandoned mutex is an error here). */
  index(): number {
    const out = this.wait();
    if (out === null || out.abandoned) {
      throw new Error(`unexpected wait outcome ${JSON.stringify(out)}`);
    }
    return out.index;
  }
}
