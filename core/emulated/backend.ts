/**
 * The emulated backend: the ioctl surface over the shared-memory engine.
 *
 * @module
 */

import type {
  Backend,
  ClockName,
  IoctlAsyncOptions,
  ReapOptions,
  ShareToken,
} from "../backend.ts";
import { reapOwners } from "../reap.ts";
import { cellOf, newCell, REVOKED } from "./attachment.ts";
import { NtsyncError } from "../errors.ts";
import { argView as asView, outOfBounds } from "../arg_views.ts";
import { checkArg } from "../arg_check.ts";
import { Errno } from "../../uapi/errno.ts";
import { HOST_LITTLE_ENDIAN as LE } from "../../uapi/struct.ts";
import {
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  NTSYNC_WAIT_ARGS_SIZE,
  requestLabel,
} from "../../uapi/ioctl.ts";
import { WAIT } from "../../uapi/structs.ts";
import { AddressSpace } from "./addresses.ts";
import { DeviceClock, perfMs, wallMs } from "./clock.ts";
import {
  DEFAULT_CAPACITIES,
  FD_DEVICE,
  FD_FREE,
  FD_OBJECT,
  H_CLOCK_BASE_F64,
  H_LOCK,
  H_THREADS,
  LOCK_ABANDONED,
  PENDING,
  R_DEAD,
  R_KIND,
  R_ORPHAN,
  R_STATE,
  REAPED,
  REC_WORDS,
  SLEEPING,
  WITHDRAWN,
} from "./layout.ts";
import { deviceIoctl, objectIoctl } from "./ops.ts";
import { copyOut, EventFastPath } from "./fast.ts";
import { SharedState } from "./state.ts";
import { WaitStarter } from "./wait.ts";
import {
  ABORTED,
  DONE_AT_ONCE,
  SLOW_PATH,
  SLOW_PATH_SPUN,
  WOULD_QUEUE,
} from "./results.ts";
import { Spinner } from "./spin.ts";

/** Options for a new emulated device. */
export interface EmulatedOptions {
  /** fds, including the reserved 0..2 (default 4096); EMFILE beyond. */
  maxFds?: number;
  /** Live objects (default 4096); ENOMEM beyond. */
  maxObjects?: number;
  /** Waits in progress at once, across all threads (default 4096); ENOMEM beyond. */
  maxWaits?: number;
}

/**
 * Polls of a queued wait's state word before sleeping: the objects were
 * just polled for the spin budget (before the wait started, see
 * WaitStarter#spin), so this only covers a claim racing with the queueing.
 */
const QUEUED_SPINS = 100;
const KEEPALIVE_MS = 1e9;
/**
 * A queued waiter sleeps at most this long before it looks at its record's
 * ticket again: reap wakes it, but a reaped record can be reused before a
 * waiter that was about to sleep on it does, and it must not sleep on
 * someone else's wait for good.
 */
const SLICE_MS = 1000;
/** Longest an async wait with a signal sleeps before looking at the signal. */
const ABORT_RECHECK_MS = 250;

/** One backend object per share token (its cell) per thread. */
const attached = new WeakMap<SharedArrayBuffer, EmulatedBackend>();

function fail(errno: number, request: number | string): never {
  throw new NtsyncError(
    errno,
    typeof request === "string" ? request : requestLabel(request),
  );
}

/**
 * Announce that the waiter is going to sleep on the state word at `at`
 * (so that a claim will notify it). Returns SLEEPING, or the final state if
 * the wait was claimed or withdrawn meanwhile.
 */
function asleep(i32: Int32Array, at: number): number {
  const state = Atomics.compareExchange(i32, at, PENDING, SLEEPING);
  return state === PENDING ? SLEEPING : state;
}

function isFd(fd: number): boolean {
  return typeof fd === "number" && (fd | 0) === fd && fd >= 0;
}

/*
 * Every locked section is written
 *
 *   try { st.lockDevice(); ...; st.unlockDevice(); } catch (e) { ABANDON; throw e; }
 *
 * where ABANDON is, inline:
 *
 *   if (st.holding) {
 *     st.holding = false;
 *     st.i32[H_LOCK] |= LOCK_ABANDONED;
 *     try { st.recoverAbandoned(); } catch { ... }
 *   }
 *
 * An exception can come from anywhere inside (a RangeError from a stack
 * overflow lands on any call), so the section may be cut half-way. Marking
 * the lock abandoned needs no call, so it works even at the stack's limit:
 * then whoever takes the lock next (this thread's next call, or another
 * thread, whose sleep on the lock is timed) undoes the section from its
 * journal. recoverAbandoned does that at once when there is stack left.
 * (A plain or: the only other writers of a held lock word set the sleepers
 * bit, and a lost sleepers bit only costs a sleeper its timed recheck.)
 */

/**
 * `/dev/ntsync` emulated in shared memory with the kernel's semantics.
 * Get it with `getBackend("emulated")`; a Worker reaches the same device
 * with `attachBackend(backend.share())`.
 */
export class EmulatedBackend implements Backend {
  /** Always `"emulated"`. */
  readonly kind = "emulated" as const;
  readonly #st: SharedState;
  readonly #clock: DeviceClock;
  readonly #addresses = new AddressSpace();
  readonly #waits: WaitStarter;
  readonly #spinner = new Spinner();
  readonly #fast: EventFastPath;
  /** This attachment's thread id on the device: its waits carry it, for reap(). */
  readonly #thread: number;
  /** This attachment's revocation word (attachment.ts). */
  readonly #cell: Int32Array;

  private constructor(st: SharedState, thread: number, cell: Int32Array) {
    this.#st = st;
    this.#thread = thread;
    this.#cell = cell;
    st.bindThread(thread);
    this.#clock = new DeviceClock(st.f64[H_CLOCK_BASE_F64]);
    this.#fast = new EventFastPath(st, this.#spinner, cell);
    this.#waits = new WaitStarter(
      st,
      this.#addresses,
      this.#clock,
      thread,
      this.#fast,
      this.#spinner,
    );
    attached.set(cell.buffer as SharedArrayBuffer, this);
  }

  /**
   * This attachment's thread id: 1 for the thread that created the device,
   * a new one for each `share()` token attached. Nonzero and unique for the
   * device's lifetime; the typed API's default mutex owner.
   */
  get threadId(): number {
    return this.#thread;
  }

  /** Has this attachment been reaped? (One atomic load.) */
  #revoked(): boolean {
    return Atomics.load(this.#cell, REVOKED) !== 0;
  }

  /** A new, empty device (its own fd table and objects). */
  static create(options: EmulatedOptions = {}): EmulatedBackend {
    const caps = { ...DEFAULT_CAPACITIES, ...options };
    for (const name in options) {
      if (!Object.hasOwn(DEFAULT_CAPACITIES, name)) {
        throw new TypeError(
          `EmulatedBackend.create: unknown option ${
            JSON.stringify(name)
          }; the options are ${Object.keys(DEFAULT_CAPACITIES).join(", ")}`,
        );
      }
    }
    for (const [name, value] of Object.entries(caps)) {
      if (!Number.isInteger(value) || value < 4 || value > 1 << 20) {
        throw new RangeError(
          `EmulatedBackend.create: ${name} must be an integer in [4, 1048576], got ${value}`,
        );
      }
    }
    const st = SharedState.create(caps, wallMs());
    Atomics.store(st.u32, H_THREADS, 1);
    return new EmulatedBackend(st, 1, newCell(1));
  }

  /**
   * The device another thread shared, as the attachment `token` names (the
   * same object for the same token in one thread).
   */
  static attach(token: ShareToken): EmulatedBackend {
    const { buffer, thread, cell } = token;
    const words = typeof thread === "number" ? cellOf(cell, thread) : null;
    if (!(buffer instanceof SharedArrayBuffer) || words === null) {
      throw new TypeError(
        "attachBackend: not a token from an emulated backend's share()",
      );
    }
    return attached.get(cell as SharedArrayBuffer) ??
      new EmulatedBackend(SharedState.attach(buffer), thread as number, words);
  }

  /** Open a new instance, like `open("/dev/ntsync")`: its fd (EMFILE when the fd table is full). */
  open(): number {
    const st = this.#st;
    let fd: number;
    try {
      st.lockDevice();
      fd = this.#revoked() ? -Errno.ESRCH : st.openInstance();
      st.unlockDevice();
    } catch (e) {
      if (st.holding) {
        st.holding = false;
        st.i32[H_LOCK] |= LOCK_ABANDONED;
        try {
          st.recoverAbandoned();
        } catch { /* the next locker recovers */ }
      }
      throw e;
    }
    if (fd < 0) fail(-fd, "open");
    return fd;
  }

  /** Close an fd, like `close(2)` (EBADF for anything not open here). */
  close(fd: number): void {
    if (!isFd(fd)) fail(Errno.EBADF, "close");
    const st = this.#st;
    let revoked: boolean, ok: boolean;
    try {
      st.lockDevice();
      revoked = this.#revoked();
      ok = !revoked && st.closeFd(fd);
      st.unlockDevice();
    } catch (e) {
      if (st.holding) {
        st.holding = false;
        st.i32[H_LOCK] |= LOCK_ABANDONED;
        try {
          st.recoverAbandoned();
        } catch { /* the next locker recovers */ }
      }
      throw e;
    }
    if (revoked) fail(Errno.ESRCH, "close");
    if (!ok) fail(Errno.EBADF, "close");
  }

  /** Run `request` on `fd` as `ioctl(2)` would; a wait blocks this thread. */
  ioctl(fd: number, request: number, arg: ArrayBufferView | null): number {
    const r = this.tryIoctl(fd, request, arg);
    if (r < 0) fail(-r, request);
    return r;
  }

  /**
   * As `ioctl`, but a failure comes back as the negated errno instead of an
   * `NtsyncError` (which costs about a microsecond to build): for loops
   * that poll and expect ETIMEDOUT.
   */
  tryIoctl(fd: number, request: number, arg: ArrayBufferView | null): number {
    checkArg(arg, "ioctl");
    if (request === NTSYNC_IOC_WAIT_ANY || request === NTSYNC_IOC_WAIT_ALL) {
      const view = asView(arg);
      const rec = this.#startWait(fd, request, view, true);
      if (rec < 0) return rec === DONE_AT_ONCE ? this.#finish(view!) : rec;
      const { ticket } = this.#waits.result;
      try {
        return this.#finish(view!, rec, this.#block(rec, ticket), ticket);
      } catch (e) {
        // Marked with a plain store first: the call after it may overflow
        // the stack too (see #abandonWait).
        const st = this.#st;
        st.i32[st.sec.rec + rec * REC_WORDS + R_ORPHAN] = ticket;
        try {
          this.#abandonWait(rec, ticket);
        } catch { /* orphaned: a claim or census() drops it */ }
        throw e;
      }
    }
    const st = this.#st;
    // A reaped attachment changes nothing: checked here for the fast path
    // (see EventFastPath for the race with a reap), under the lock below.
    if (this.#revoked()) return -Errno.ESRCH;
    if (!isFd(fd)) return -Errno.EBADF;
    // The fast path first: the caller's memory only matters once it has
    // changed the event, and a peer may be spinning on it.
    const fast = this.#fast.ioctl(fd, request);
    if (fast !== SLOW_PATH) return copyOut(request, fast, asView(arg));
    const view = asView(arg);
    let r: number;
    try {
      st.lockDevice();
      const kind = st.fdKind(fd);
      r = this.#revoked()
        ? -Errno.ESRCH
        : kind === FD_OBJECT
        ? objectIoctl(st, st.fdRef(fd), request, view)
        : kind === FD_DEVICE
        ? deviceIoctl(st, st.fdRef(fd), request, view)
        : kind === FD_FREE
        ? -Errno.EBADF
        : -Errno.ENOTTY; // stdin/stdout/stderr: not ours, not ntsync
      st.unlockDevice();
    } catch (e) {
      if (st.holding) {
        st.holding = false;
        st.i32[H_LOCK] |= LOCK_ABANDONED;
        try {
          st.recoverAbandoned();
        } catch { /* the next locker recovers */ }
      }
      throw e;
    }
    return r;
  }

  /** As `ioctl`, but a wait sleeps with `Atomics.waitAsync`: the event loop runs on. */
  async ioctlAsync(
    fd: number,
    request: number,
    arg: ArrayBufferView | null,
    options: IoctlAsyncOptions = {},
  ): Promise<number> {
    if (request !== NTSYNC_IOC_WAIT_ANY && request !== NTSYNC_IOC_WAIT_ALL) {
      return this.ioctl(fd, request, arg);
    }
    const { signal } = options;
    signal?.throwIfAborted();
    checkArg(arg, "ioctlAsync");
    const view = asView(arg);
    const rec = this.#startWait(fd, request, view, false);
    if (rec < 0) {
      const r = rec === DONE_AT_ONCE ? this.#finish(view!) : rec;
      if (r < 0) fail(-r, request);
      return r;
    }
    const { deadlineMs, ticket } = this.#waits.result;
    let r: number;
    try {
      r = await this.#sleepAsync(rec, ticket, deadlineMs, view!, signal);
    } catch (e) {
      const st = this.#st;
      st.i32[st.sec.rec + rec * REC_WORDS + R_ORPHAN] = ticket;
      try {
        this.#abandonWait(rec, ticket);
      } catch { /* orphaned: a claim or census() drops it */ }
      throw e;
    }
    if (r === ABORTED) throw signal!.reason;
    if (r < 0) fail(-r, request);
    return r;
  }

  /**
   * The queued wait's sleep for ioctlAsync: its result (see #finish), or
   * ABORTED (the record freed) when the signal withdrew it first.
   */
  async #sleepAsync(
    rec: number,
    ticket: number,
    deadlineMs: number,
    view: DataView,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    const st = this.#st, i32 = st.i32, at = st.recordAt(rec) + R_STATE;
    const kindAt = st.recordAt(rec) + R_KIND;
    let aborted = false;
    // The listener only flags and wakes: the withdrawal is the waiting
    // loop's, so that nothing in a listener can fail (a listener's error
    // would go to the global error event, not to this call).
    const onAbort = () => {
      aborted = true;
      try {
        Atomics.notify(i32, at);
      } catch { /* the waitAsync times out instead */ }
    };
    // Atomics.waitAsync alone does not keep Deno's event loop alive.
    const keepAlive = setInterval(() => {}, KEEPALIVE_MS);
    let state: number;
    try {
      signal?.addEventListener("abort", onAbort, { once: true });
      for (;;) {
        if (Atomics.load(i32, kindAt) !== ticket) {
          state = REAPED;
          break;
        }
        state = asleep(i32, at);
        if (state !== SLEEPING) break;
        const left = deadlineMs - wallMs();
        if (aborted || signal?.aborted || left <= 0) {
          aborted ||= signal?.aborted === true;
          state = this.#giveUp(rec, ticket);
          break;
        }
        // With a signal, sleep in shorter slices: an abort whose listener
        // never ran (the dispatch overflowed the stack of whoever called
        // abort()) is still seen, by its flag.
        const slice = signal === undefined ? SLICE_MS : ABORT_RECHECK_MS;
        const w = Atomics.waitAsync(i32, at, SLEEPING, Math.min(left, slice));
        if (w.async) await w.value;
      }
    } finally {
      clearInterval(keepAlive);
      signal?.removeEventListener("abort", onAbort);
    }
    if (state === WITHDRAWN && aborted && st.freeRecord(rec, ticket)) {
      return ABORTED;
    }
    return this.#finish(view, rec, state, ticket);
  }

  /** A made-up user address for `objs`, valid while the view lives. */
  addressOf(objs: Int32Array | Uint32Array): bigint {
    return this.#addresses.addressOf(objs);
  }

  /** Now, in ns, on this device's MONOTONIC or REALTIME clock. */
  now(clock: ClockName = "monotonic"): bigint {
    if (clock === "monotonic") return this.#clock.monotonicNs();
    if (clock === "realtime") return this.#clock.realtimeNs();
    throw new TypeError(
      `now: clock must be "monotonic" or "realtime", got ${String(clock)}`,
    );
  }

  /**
   * A token for one Worker: the device's memory, a fresh thread id that the
   * Worker's attachment will have (and its waits carry), and that
   * attachment's revocation word. Give each Worker its own token, so that
   * {@linkcode EmulatedBackend.reap} can revoke it.
   */
  share(): ShareToken {
    // A reaped thread mints no fresh attachment to carry on through.
    if (this.#revoked()) fail(Errno.ESRCH, "share");
    const u32 = this.#st.u32;
    let thread = Atomics.add(u32, H_THREADS, 1) + 1;
    // 2^32 share() calls later: skip 0, never a thread id.
    if ((thread >>> 0) === 0) thread = Atomics.add(u32, H_THREADS, 1) + 1;
    thread >>>= 0;
    const cell = newCell(thread);
    return {
      kind: "emulated",
      buffer: this.#st.buffer,
      thread,
      cell: cell.buffer,
    };
  }

  /**
   * Revoke the attachment `token` (this device's `share()`) was for, as
   * {@linkcode Backend.reap} describes: its calls fail ESRCH from now on
   * and change nothing, none of its waits stays queued (what a claim had
   * acquired for a wait it has not returned from is given back), and the
   * mutexes its `threadId` (and `options.owners`) own are abandoned.
   * Returns how many wait records were taken from it (0 the second time).
   *
   * @throws {TypeError} for a token not from this device's `share()`, or
   * bad options. @throws {RangeError} for this attachment's own thread.
   */
  reap(token: ShareToken, options?: ReapOptions): number {
    const thread = token?.thread;
    if (
      token === null || typeof token !== "object" ||
      token.buffer !== this.#st.buffer || typeof thread !== "number"
    ) {
      throw new TypeError("reap: token must come from this device's share()");
    }
    if (thread === this.#thread) {
      throw new RangeError(
        `reap: thread ${thread} is this attachment's own: a thread cannot reap itself`,
      );
    }
    const cell = cellOf(token.cell, thread);
    if (cell === null) {
      throw new TypeError("reap: token must come from this device's share()");
    }
    const owners = Int32Array.from(reapOwners(thread, options), (id) => id | 0);
    if (this.#revoked()) fail(Errno.ESRCH, "reap");
    const st = this.#st;
    let n: number;
    try {
      st.lockDevice();
      // Under the lock: a call of that thread holding it finishes first, and
      // every later one looks at the word under the lock (or see fast.ts).
      // (Not undone if the reap is cut short: a revoked attachment stays
      // revoked, and reaping again finishes the job.)
      Atomics.store(cell, REVOKED, 1);
      n = st.reapThread(thread, owners);
      st.unlockDevice();
    } catch (e) {
      if (st.holding) {
        st.holding = false;
        st.i32[H_LOCK] |= LOCK_ABANDONED;
        try {
          st.recoverAbandoned();
        } catch { /* the next locker recovers */ }
      }
      throw e;
    }
    return n;
  }

  /**
   * Waits in progress, live objects and live instances on this device, for
   * leak checks: after every fd is closed and every wait has returned, all
   * three are 0.
   */
  census(): { waits: number; objects: number; instances: number } {
    const st = this.#st;
    try {
      st.lockDevice();
      // Waits whose waiters left through an exception and could not
      // withdraw them are withdrawn and freed here, at the latest.
      st.dropOrphans();
      st.unlockDevice();
    } catch (e) {
      if (st.holding) {
        st.holding = false;
        st.i32[H_LOCK] |= LOCK_ABANDONED;
        try {
          st.recoverAbandoned();
        } catch { /* the next locker recovers */ }
      }
      throw e;
    }
    return st.census();
  }

  /**
   * Checks, fd resolution and the attempt at wait start. Returns the queued
   * record, DONE_AT_ONCE when the wait finished at once (see the starter's
   * result), or -errno.
   */
  #startWait(
    fd: number,
    request: number,
    view: DataView | null,
    spin: boolean,
  ): number {
    const st = this.#st, waits = this.#waits;
    // Cleared first: the catch below must only abandon a wait this call
    // queued.
    waits.result.queued = false;
    // One look before the fast path; the slow one looks again under the lock.
    if (this.#revoked()) return -Errno.ESRCH;
    if (!isFd(fd)) return -Errno.EBADF;
    const all = request === NTSYNC_IOC_WAIT_ALL;
    // Reading the caller's memory needs no lock; its verdict comes after the
    // fd checks, as in the kernel.
    const checked = waits.check(view);
    waits.handOff = false;
    if (checked === 0) {
      const r = waits.tryFast(fd, all, spin);
      if (r === SLOW_PATH_SPUN) spin = false;
      else if (r !== SLOW_PATH) return r < 0 ? r : DONE_AT_ONCE;
    }
    // Try at once; if it would have to queue, spin first (once), then again.
    for (;;) {
      let r: number;
      try {
        st.lockDevice();
        const kind = st.fdKind(fd);
        r = this.#revoked()
          ? -Errno.ESRCH
          : kind !== FD_DEVICE
          ? (kind === FD_FREE ? -Errno.EBADF : -Errno.ENOTTY)
          : checked < 0
          ? checked
          : waits.start(st.fdRef(fd), all, !spin);
        st.unlockDevice();
      } catch (e) {
        if (st.holding) {
          st.holding = false;
          st.i32[H_LOCK] |= LOCK_ABANDONED;
          try {
            st.recoverAbandoned();
          } catch { /* the next locker recovers */ }
        }
        // Thrown after the wait was queued (its commit done, then a
        // notify overflowed the stack): nobody will wait for it. (If the
        // section was undone instead, the record's ticket is not this one
        // and abandoning changes nothing.)
        const out = waits.result;
        if (out.queued) {
          st.i32[st.sec.rec + out.rec * REC_WORDS + R_ORPHAN] = out.ticket;
          try {
            this.#abandonWait(out.rec, out.ticket);
          } catch { /* orphaned: a claim or census() drops it */ }
        }
        throw e;
      }
      if (r < 0) return r;
      if (r !== WOULD_QUEUE) break;
      waits.spin(all);
      spin = false;
    }
    return waits.result.queued ? waits.result.rec : DONE_AT_ONCE;
  }

  /**
   * Sleep until the record is claimed, its deadline passes or reap takes it
   * (REAPED); its state.
   */
  #block(rec: number, ticket: number): number {
    const st = this.#st, i32 = st.i32, at = st.recordAt(rec) + R_STATE;
    const kindAt = st.recordAt(rec) + R_KIND;
    const deadlineMs = this.#waits.result.deadlineMs;
    if (this.#waits.handOff) {
      // Queued behind others at once (see WaitStarter#spin): the hand-off
      // comes a critical section or so later, usually within the spin.
      const spinner = this.#spinner;
      spinner.start(deadlineMs === Infinity ? Infinity : perfMs(deadlineMs));
      for (let polls = 1; !spinner.over(polls); polls++) {
        if (Atomics.load(i32, at) !== PENDING) {
          spinner.caught();
          break;
        }
      }
    } else {
      for (let spins = QUEUED_SPINS; spins > 0; spins--) {
        if (Atomics.load(i32, at) !== PENDING) break;
      }
    }
    const caught = Atomics.load(i32, at) !== PENDING;
    const sleptSince = performance.now();
    let state: number;
    for (;;) {
      if (Atomics.load(i32, kindAt) !== ticket) {
        state = REAPED;
        break;
      }
      state = asleep(i32, at);
      if (state !== SLEEPING) break;
      if (deadlineMs === Infinity) {
        Atomics.wait(i32, at, SLEEPING, SLICE_MS);
        continue;
      }
      const left = deadlineMs - wallMs();
      if (left <= 0) {
        state = this.#giveUp(rec, ticket);
        break;
      }
      Atomics.wait(i32, at, SLEEPING, left < SLICE_MS ? left : SLICE_MS);
    }
    // How long the spin fell short, for the next one (see Spinner).
    if (!caught) {
      this.#spinner.slept(
        state >= 0 ? performance.now() - sleptSince : Infinity,
      );
    }
    return state;
  }

  /** Timed out: withdraw unless claimed (or reaped) meanwhile. */
  #giveUp(rec: number, ticket: number): number {
    const st = this.#st;
    let state: number;
    try {
      st.lockDevice();
      state = st.withdrawOwn(rec, ticket);
      st.unlockDevice();
    } catch (e) {
      if (st.holding) {
        st.holding = false;
        st.i32[H_LOCK] |= LOCK_ABANDONED;
        try {
          st.recoverAbandoned();
        } catch { /* the next locker recovers */ }
      }
      throw e;
    }
    return state;
  }

  /**
   * A queued wait's call is leaving through an exception (a stack overflow
   * while it slept or finished, a throwing signal): withdraw the wait and
   * free its record, so that nothing is acquired for a caller who is gone
   * and no record leaks. The caller marks the record orphaned first, with
   * a plain store (no call, so it works at the stack's limit): if this
   * fails too, a claim skips the record and census() drops it.
   */
  #abandonWait(rec: number, ticket: number): void {
    const st = this.#st;
    try {
      let withdrawn = false;
      try {
        st.lockDevice();
        st.withdrawOwn(rec, ticket);
        st.unlockDevice();
        withdrawn = true;
      } catch {
        if (st.holding) {
          st.holding = false;
          st.i32[H_LOCK] |= LOCK_ABANDONED;
          try {
            st.recoverAbandoned();
          } catch { /* the next locker recovers */ }
        }
      }
      if (withdrawn) st.freeRecord(rec, ticket);
    } catch { /* orphaned: a claim or census() drops it */ }
  }

  /**
   * Release the record (if any), write `index` back and report the result:
   * 0, -EOWNERDEAD with `index` written, -ETIMEDOUT, -EFAULT when the
   * caller's buffer went away while waiting (the objects were acquired), or
   * -ESRCH when this attachment was reaped meanwhile (reap took the record,
   * and gave back what a claim had acquired for it).
   */
  #finish(view: DataView, rec = -1, state = 0, ticket = 0): number {
    if (rec < 0) {
      // Acquired at once: the view was checked a moment ago, on this thread.
      const { result } = this.#waits;
      view.setUint32(WAIT.index, result.index, LE);
      return result.dead ? -Errno.EOWNERDEAD : 0;
    }
    const st = this.#st;
    const dead = st.u32[st.recordAt(rec) + R_DEAD] !== 0;
    if (state === REAPED || !st.freeRecord(rec, ticket)) return -Errno.ESRCH;
    if (state === WITHDRAWN) {
      return this.#revoked() ? -Errno.ESRCH : -Errno.ETIMEDOUT;
    }
    const index = state;
    // The wait slept: the caller's buffer may have been detached or shrunk
    // meanwhile.
    if (outOfBounds(view) || view.byteLength < NTSYNC_WAIT_ARGS_SIZE) {
      return -Errno.EFAULT;
    }
    view.setUint32(WAIT.index, index, LE);
    return dead ? -Errno.EOWNERDEAD : 0;
  }
}
