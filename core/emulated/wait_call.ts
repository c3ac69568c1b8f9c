/**
 * WAIT_ANY and WAIT_ALL as calls: the start (WaitStarter: the lock-free
 * attempt on one event, then the attempt under the device lock), the
 * queued wait's sleep, sync or async, until a claim settles it, its
 * deadline passes, its signal aborts it or reap takes it, and the result
 * copied out: `ntsync_wait_any()` / `ntsync_wait_all()` around
 * `setup_wait()`, with `ntsync_schedule()`'s sleep.
 *
 * @module
 */

import { Errno } from "../../uapi/errno.ts";
import { HOST_LITTLE_ENDIAN as LE } from "../../uapi/struct.ts";
import {
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_WAIT_ARGS_SIZE,
} from "../../uapi/ioctl.ts";
import { WAIT } from "../../uapi/structs.ts";
import { outOfBounds } from "../arg_views.ts";
import { REVOKED } from "./attachment.ts";
import { reached, spinEndMs, wallMs } from "./clock.ts";
import {
  FD_DEVICE,
  FD_FREE,
  H_LOCK,
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
import {
  ABORTED,
  DONE_AT_ONCE,
  SLOW_PATH,
  SLOW_PATH_SPUN,
  WOULD_QUEUE,
} from "./results.ts";
import type { SharedState } from "./state.ts";
import type { Spinner } from "./spin.ts";
import type { WaitStarter } from "./wait.ts";
import type { WaitMemory } from "../wait_memory.ts";
import { isFd } from "./tables.ts";

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

/**
 * Announce that the waiter is going to sleep on the state word at `at`
 * (so that a claim will notify it). Returns SLEEPING, or the final state if
 * the wait was claimed or withdrawn meanwhile.
 */
function asleep(i32: Int32Array, at: number): number {
  const state = Atomics.compareExchange(i32, at, PENDING, SLEEPING);
  return state === PENDING ? SLEEPING : state;
}

/** One attachment's WAIT_ANY and WAIT_ALL calls. */
export class WaitCalls {
  readonly #st: SharedState;
  readonly #waits: WaitStarter;
  readonly #spinner: Spinner;
  /** The attachment's revocation word (attachment.ts). */
  readonly #cell: Int32Array;

  constructor(
    st: SharedState,
    waits: WaitStarter,
    spinner: Spinner,
    cell: Int32Array,
  ) {
    this.#st = st;
    this.#waits = waits;
    this.#spinner = spinner;
    this.#cell = cell;
  }

  /**
   * Has this attachment been reaped? A plain read (see fast_object.ts): a
   * look before a fast path is a hint (the path looks again after its
   * object's word), and under the device lock the reaper's store, made
   * before it took the lock, is seen.
   */
  #revoked(): boolean {
    return this.#cell[REVOKED] !== 0;
  }

  /**
   * WAIT_ANY or WAIT_ALL (`request`) from device `fd`, blocking this
   * thread: the ioctl's result, or the negated errno.
   */
  wait(
    fd: number,
    request: number,
    view: DataView | null,
    memory?: WaitMemory,
  ): number {
    const rec = this.#startWait(fd, request, view, true, memory);
    // Done at once: the index is written already (WaitStarter#acquired),
    // and no call here could fail after the acquisition took effect.
    if (rec < 0) {
      return rec !== DONE_AT_ONCE
        ? rec
        : this.#waits.result.dead
        ? -Errno.EOWNERDEAD
        : 0;
    }
    return this.#waitQueued(view!, rec);
  }

  /**
   * The rest of `wait` for a wait queued in `rec`: sleep, then the result.
   * Apart, so that `wait`'s common case (done at once) is small enough for
   * V8 to inline into the ioctl call.
   */
  #waitQueued(view: DataView, rec: number): number {
    const { ticket } = this.#waits.result;
    try {
      return this.#finish(view, rec, this.#block(rec, ticket), ticket);
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

  /**
   * As `wait`, sleeping with `Atomics.waitAsync`: the ioctl's result or
   * the negated errno; rejects with the signal's reason if it aborted the
   * wait first.
   */
  async waitAsync(
    fd: number,
    request: number,
    view: DataView | null,
    signal: AbortSignal | undefined,
    memory?: WaitMemory,
  ): Promise<number> {
    const rec = this.#startWait(fd, request, view, false, memory);
    // Done at once: the index is written already (WaitStarter#acquired),
    // and no call here could fail after the acquisition took effect.
    if (rec < 0) {
      return rec !== DONE_AT_ONCE
        ? rec
        : this.#waits.result.dead
        ? -Errno.EOWNERDEAD
        : 0;
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
    // Go on from a fresh stack (a microtask): the caller may be near the
    // stack's limit, and a keep-alive timer set there whose clearInterval
    // then overflowed would keep the process alive for good.
    await null;
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
        if (aborted || signal?.aborted || (left <= 0 && reached(deadlineMs))) {
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
    memory: WaitMemory | undefined,
  ): number {
    const waits = this.#waits;
    // Cleared first: the catch below must only abandon a wait this call
    // queued.
    waits.result.queued = false;
    // One look before the fast path; the slow one looks again under the lock.
    if (this.#revoked()) return -Errno.ESRCH;
    if (!isFd(fd)) return -Errno.EBADF;
    const all = request === NTSYNC_IOC_WAIT_ALL;
    // Reading the caller's memory needs no lock; its verdict comes after the
    // fd checks, as in the kernel.
    const checked = memory === undefined
      ? waits.check(view)
      : waits.checkMemory(memory);
    let spun = false;
    if (checked === 0) {
      const r = waits.tryFast(fd, all, spin);
      if (r === SLOW_PATH_SPUN) {
        spun = spin; // (an async wait does not spin)
        spin = false;
      } else if (r !== SLOW_PATH) return r < 0 ? r : DONE_AT_ONCE;
    }
    return this.#startLocked(fd, all, checked, spin, spun);
  }

  /**
   * The rest of `#startWait` once the lock-free attempt did not decide:
   * `checked` is what the args' check said, `spin` whether to spin before
   * queueing, `spun` whether the lock-free attempt spun. Apart, so that the
   * common case above is small enough for V8 to inline.
   */
  #startLocked(
    fd: number,
    all: boolean,
    checked: number,
    spin: boolean,
    spun: boolean,
  ): number {
    const st = this.#st, waits = this.#waits;
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
          st.recoverOrLeaveToNextLocker();
        }
        // Thrown after the wait was queued (its commit done, then a
        // notify overflowed the stack): nobody will wait for it. (If the
        // section was undone instead, the record's ticket is not this one
        // and abandoning changes nothing; and a thread killed in the
        // section, whose lock is still its own, does nothing more.)
        const out = waits.result;
        if (out.queued && !st.lockNamesMe()) {
          st.i32[st.sec.rec + out.rec * REC_WORDS + R_ORPHAN] = out.ticket;
          try {
            this.#abandonWait(out.rec, out.ticket);
          } catch { /* orphaned: a claim or census() drops it */ }
        }
        throw e;
      }
      if (r < 0) return r;
      if (r !== WOULD_QUEUE) break;
      spun = waits.spin(all);
      spin = false;
    }
    waits.result.spun = spun;
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
    // Spin for the budget before sleeping. The wait is queued, so the next
    // release of its object is handed to it (or to a waiter ahead of it);
    // with the object's holders running, that comes a critical section or
    // so later, usually within the spin. A hand-off to a waiter asleep
    // costs a futex wake, and every other thread waits behind it (a
    // convoy): a mutex contended by 3 Workers with a critical section of
    // about 1 us took 0.54x the FIFO floor this way against 0.75x with a
    // short poll (bench/RESULTS.md). A wait that spun before it queued
    // spins once more, unless this thread's last such spins missed: an
    // idle wait (an event set a millisecond later) then pays for one spin,
    // not two (spin.ts, bench/idle_cpu.ts).
    const spinner = this.#spinner;
    const spun = this.#waits.result.spun;
    const spins = !spun || spinner.spinsAgain();
    if (spins) {
      spinner.start(spinEndMs(deadlineMs));
      for (let polls = 1; !spinner.over(polls); polls++) {
        if (Atomics.load(i32, at) !== PENDING) {
          spinner.caught();
          break;
        }
      }
    }
    // (Served before it slept, without a spin too: hand-offs come fast.)
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
      if (left <= 0 && reached(deadlineMs)) {
        state = this.#giveUp(rec, ticket);
        break;
      }
      Atomics.wait(i32, at, SLEEPING, left < SLICE_MS ? left : SLICE_MS);
    }
    // How long the spin fell short, for the next one (see Spinner).
    const sleptMs = caught
      ? 0
      : state >= 0
      ? performance.now() - sleptSince
      : Infinity;
    if (!caught) spinner.slept(sleptMs);
    if (spun) spinner.secondSpin(spins, caught, sleptMs);
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
        st.recoverOrLeaveToNextLocker();
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
          st.recoverOrLeaveToNextLocker();
        }
      }
      if (withdrawn) st.freeRecord(rec, ticket);
    } catch { /* orphaned: a claim or census() drops it */ }
  }

  /**
   * Release the queued wait's record, write `index` back and report the result:
   * 0, -EOWNERDEAD with `index` written, -ETIMEDOUT, -EFAULT when the
   * caller's buffer went away while waiting (the objects were acquired), or
   * -ESRCH when this attachment was reaped meanwhile (reap took the record,
   * and gave back what a claim had acquired for it).
   */
  #finish(view: DataView, rec: number, state: number, ticket: number): number {
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
