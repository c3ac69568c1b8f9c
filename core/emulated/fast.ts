/**
 * Fast paths that skip the device lock for events: EVENT_SET, RESET, PULSE
 * and READ on an event nobody waits on, and a wait on one event that can be
 * acquired at once. A hand-off between two running threads then costs one
 * compare-and-swap on the event's own cache line per side, as a raw
 * `Atomics` event does, instead of moving the device lock's line as well.
 *
 * An event keeps its state in one word, EVENT_STATE: signaled bit, pinned
 * bit, version (layout.ts). The device lock's holder pins every event it
 * touches before it looks at it (SharedState#pinObject) and gives it a new
 * version when it lets go; freeing the object and reusing its slot do too. So while the
 * word keeps its version and is not pinned, nothing but the signaled bit
 * has changed: the fd still names the object (closing it touches the
 * object), the object is still that event, and no wait has been queued on
 * it.
 *
 * A fast path therefore checks the object once, by the rules below, and
 * remembers the word it saw, per fd. After that it commits with a single
 * compare-and-swap against the remembered word (the swap also proves the
 * version), so a hand-off moves nothing but the event's line:
 *
 * - usable: not pinned, an event, no wait queued on it (nothing to wake),
 *   and the fd names it when looked at after the word was read;
 * - anything else (a waiter to wake, a pinned event, an error to report in
 *   the kernel's order) is the slow path's: `SLOW_PATH`.
 *
 * The ioctl takes effect at the swap, as one that raced a close(2) and won.
 *
 * ## Reaped attachments
 *
 * A reaped attachment's calls must change nothing once `reap` has returned,
 * though a zombie thread may be anywhere in a fast path when it runs. The
 * caller looks at the revocation word once, at the start of the call (the
 * one atomic load the hot path pays), and `reap`, after setting the word,
 * pins every event under the device lock, so that every event's version
 * has changed before it returns. A swap succeeds only if the version is
 * still that of the word it expects; so every swap here expects a word
 * read before a look that found the attachment live: the cached word from
 * an earlier call (read before this call's look), or, in `#updateSlow`, a
 * word read in this call, with the revocation word looked at again after
 * it. Reap's store then comes after that look, its version change after
 * the store, and the swap either lands before the version change (the
 * call took effect before reap returned) or fails.
 *
 * @module
 */

import {
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_SET,
} from "../../uapi/ioctl.ts";
import {
  EV_PINNED,
  EV_SIGNALED,
  EVENT_MANUAL,
  EVENT_STATE,
  FD_DEVICE,
  FD_OBJECT,
  O_ALL_HINT,
  O_ANY_HEAD,
  O_INST,
  O_TYPE,
  T_EVENT,
} from "./layout.ts";
import { writePair, writeWord } from "./ops.ts";
import type { SharedState } from "./state.ts";
import type { Spinner } from "./spin.ts";
import { REVOKED } from "./attachment.ts";
import { NOT_SIGNALED, SLOW_PATH } from "./results.ts";
import { cacheLength, extended } from "./fast_object.ts";

/**
 * Copy out what `EventFastPath#ioctl` returned for `request` (bit 0: the
 * event was signaled before; bit 1: it is manual-reset): the ioctl's result,
 * 0 or -EFAULT.
 */
export function copyOut(
  request: number,
  state: number,
  arg: DataView | null,
): number {
  return request === NTSYNC_IOC_EVENT_READ
    ? writePair(arg, state >>> 1, state & 1)
    : writeWord(arg, state & 1);
}

// What a fast path does to the signaled bit.
const KEEP = 0;
const SIGNAL = 1;
const RESET = 2;
const TAKE = 3; // reset unless manual: a wait acquiring it

/** Swaps lost to other fast paths before giving way to the slow path. */
const TRIES = 16;
const NONE = -1;

/** One thread's fast paths for one device, with what it checked, per fd. */
export class EventFastPath {
  readonly #st: SharedState;
  readonly #spinner: Spinner;
  /** The attachment's revocation word (attachment.ts). */
  readonly #cell: Int32Array;
  /** Per fd: the word offset of the event last checked through it, or -1. */
  #at: Int32Array = new Int32Array(0);
  /** Per fd: that event's word as this thread last saw or left it. */
  #word: Int32Array = new Int32Array(0);
  /** Per fd: the event's instance, and bit 31 set if it is manual-reset. */
  #info: Int32Array = new Int32Array(0);

  /**
   * @param st the device, as this thread sees it
   * @param spinner this thread's spin budget
   * @param cell the attachment's revocation word (see "Reaped attachments")
   */
  constructor(st: SharedState, spinner: Spinner, cell: Int32Array) {
    this.#st = st;
    this.#spinner = spinner;
    this.#cell = cell;
  }

  /**
   * EVENT_SET, EVENT_RESET, EVENT_PULSE or EVENT_READ on `fd` (any number):
   * what it has to copy out (see `copyOut`), or SLOW_PATH. The caller copies out
   * after the swap: a peer spinning on the event sees it a little sooner,
   * and with a bad pointer the state has changed all the same (as in
   * `ntsync_event_set()`, which copies the previous state out last),
   * as on the slow path.
   */
  ioctl(fd: number, request: number): number {
    let op: number;
    switch (request) {
      case NTSYNC_IOC_EVENT_SET:
        op = SIGNAL;
        break;
      case NTSYNC_IOC_EVENT_RESET:
      case NTSYNC_IOC_EVENT_PULSE: // with nobody to wake, a pulse resets
        op = RESET;
        break;
      case NTSYNC_IOC_EVENT_READ:
        op = KEEP;
        break;
      default:
        return SLOW_PATH;
    }
    const seen = this.#update(fd, op);
    if (seen === SLOW_PATH) return SLOW_PATH;
    return (this.#info[fd] >>> 31) << 1 | (seen & EV_SIGNALED);
  }

  /**
   * Did `fd` name an event the last time this thread used it? A hint with
   * no look at the tables (a wrong answer only sends the wait to a path
   * that decides it right).
   */
  knowsEvent(fd: number): boolean {
    return fd < this.#at.length && this.#at[fd] >= 0;
  }

  /**
   * Does `fd` (any number) name an event of device instance `instance`, as
   * of one moment in this call? What a fast wait checks of its alert, told
   * from the word this thread remembers for the event: one load, where
   * fast_object.ts's `alertNamesObjectOf` reads the tables between two. An
   * event not remembered yet is checked once (as a first EVENT_READ would
   * check it) and remembered. False: not known to be (not an event, pinned,
   * waited on, another instance's, or moved on); the caller then asks
   * `alertNamesObjectOf`, which decides.
   */
  namesEventOf(fd: number, instance: number): boolean {
    if (!(fd >= 0 && fd < this.#st.fdCap)) return false;
    if (fd >= this.#at.length) this.#grow(fd);
    let at = this.#at[fd];
    if (at >= 0) {
      // The remembered word is unpinned and was left with every check
      // good; while its version holds, nothing but the signaled bit moved.
      const seen = Atomics.load(this.#st.i32, at);
      if (((seen ^ this.#word[fd]) & ~EV_SIGNALED) !== 0) {
        at = this.#at[fd] = -1;
      }
    }
    // #check reads the word before it looks at the fd: one moment.
    if (at < 0 && this.#check(fd) < 0) return false;
    return (this.#info[fd] & 0x7fff_ffff) === instance;
  }

  /**
   * Start a wait on the one object `fd` (any number; no alert) from device
   * `deviceFd`, looking before it swaps (a swap would take the line from a
   * peer about to signal it):
   * 0 acquired, NOT_SIGNALED, or SLOW_PATH (not an event, or an error, which the
   * slow path reports in the kernel's order).
   */
  acquire(deviceFd: number, fd: number): number {
    const st = this.#st;
    if (st.fdKind(deviceFd) !== FD_DEVICE) return SLOW_PATH;
    const seen = this.#update(fd, TAKE, st.fdRef(deviceFd));
    if (seen === SLOW_PATH) return SLOW_PATH;
    return seen & EV_SIGNALED ? 0 : NOT_SIGNALED;
  }

  /**
   * After `acquire` found the event `fd` names not signaled: poll it for the
   * spin budget (or until `endMs`, on `performance.now()`'s clock), as a raw
   * spin polls its word (one load a round, the line only read), and acquire
   * it as soon as it looks signaled. 0, NOT_SIGNALED (gave up), or SLOW_PATH.
   */
  spinAcquire(deviceFd: number, fd: number, endMs: number): number {
    const i32 = this.#st.i32, at = this.#at[fd];
    const spinner = this.#spinner;
    // `acquire` just checked the event and left its word unsignaled: the
    // same word with the bit set is the same event, signaled, with nobody
    // queued since, so it can be taken at once (checks done, as the kernel
    // resolves a wait's fds once, at its start). The hand-off's latency is
    // then this swap, as in a raw spin.
    const idle = this.#word[fd], ready = idle | EV_SIGNALED;
    const taken = this.#info[fd] >>> 31 ? ready : idle;
    spinner.start(endMs);
    for (let polls = 1; !spinner.over(polls); polls++) {
      const word = Atomics.load(i32, at);
      if (word === ready) {
        if (
          taken === ready ||
          Atomics.compareExchange(i32, at, ready, taken) === ready
        ) {
          this.#word[fd] = taken;
          spinner.caught();
          return 0;
        }
      } else if ((word & EV_SIGNALED) !== 0) {
        // Signaled, but the word moved on otherwise: check it all again.
        const r = this.acquire(deviceFd, fd);
        if (r === 0) spinner.caught();
        if (r !== NOT_SIGNALED) return r;
      }
    }
    return NOT_SIGNALED;
  }

  /**
   * Apply `op` to the event `fd` names, if it belongs to `instance` (-1:
   * any): the word it had before, or SLOW_PATH.
   *
   * The common case first, in one atomic operation: an event this thread
   * checked before, whose word has kept its version. Anything else (not
   * checked yet, another instance's, moved on, or a lost swap) goes to
   * `#updateSlow`, which starts over; nothing has changed by then.
   */
  #update(fd: number, op: number, instance = -1): number {
    const at = fd >= 0 && fd < this.#at.length ? this.#at[fd] : -1;
    if (
      at >= 0 && (instance < 0 || (this.#info[fd] & 0x7fff_ffff) === instance)
    ) {
      const i32 = this.#st.i32, last = this.#word[fd];
      if (op === SIGNAL || op === RESET) {
        // Guess the word from last time, with the bit flipped the way a peer
        // would have flipped it: if right, the swap is all the line moves for.
        const seen = op === SIGNAL ? last & ~EV_SIGNALED : last | EV_SIGNALED;
        const next = seen ^ EV_SIGNALED;
        const got = Atomics.compareExchange(i32, at, seen, next);
        // Found as asked already: nothing to change, as of the swap's look.
        if (got === seen || got === next) {
          this.#word[fd] = next;
          return got;
        }
      } else {
        // A wait (or read) has usually just polled the word: look again, and
        // swap only if there is something to take, leaving the line shared.
        const seen = Atomics.load(i32, at);
        if (((seen ^ last) & ~EV_SIGNALED) === 0) {
          const next = this.#apply(fd, op, seen);
          if (
            next === seen ||
            Atomics.compareExchange(i32, at, seen, next) === seen
          ) {
            this.#word[fd] = next;
            return seen;
          }
        }
      }
    }
    return this.#updateSlow(fd, op, instance);
  }

  /** `#update`, checking the event (again) as needed and retrying lost swaps. */
  #updateSlow(fd: number, op: number, instance: number): number {
    const st = this.#st, i32 = st.i32;
    // Out of the table: EBADF, from the slow path (and never an index here).
    if (!(fd >= 0 && fd < st.fdCap)) return SLOW_PATH;
    if (fd >= this.#at.length) this.#grow(fd);
    let at = this.#at[fd], seen = 0;
    // Is `seen` the word as an atomic operation just found it, with the
    // event's checks still good? Then a ready answer needs no other look.
    let current = false;
    if (at >= 0) {
      seen = Atomics.load(i32, at);
      if (((seen ^ this.#word[fd]) & ~EV_SIGNALED) !== 0) {
        at = this.#at[fd] = -1;
      }
      current = true;
    }
    for (let n = TRIES; n > 0; n--) {
      if (at < 0) {
        at = this.#check(fd);
        if (at < 0) return SLOW_PATH;
        // Read before the checks: only a second look proves it still holds.
        seen = this.#word[fd];
        current = false;
      }
      // Another instance's event: EINVAL, the slow path's to report.
      if (instance >= 0 && (this.#info[fd] & 0x7fff_ffff) !== instance) {
        return SLOW_PATH;
      }
      const next = this.#apply(fd, op, seen);
      // `seen` was read in this call: look at the revocation word after it
      // (see "Reaped attachments"); the slow path reports ESRCH.
      if (next !== seen && Atomics.load(this.#cell, REVOKED) !== 0) {
        return SLOW_PATH;
      }
      const got = next !== seen
        ? Atomics.compareExchange(i32, at, seen, next)
        : current
        ? seen // nothing to change, and a look a moment ago proves as much
        : Atomics.load(i32, at);
      if (got === seen) {
        this.#word[fd] = next;
        return seen;
      }
      // Only the signaled bit moved: still the same event, as of the swap
      // that found it, so try again. Anything else: check it again.
      if (((got ^ seen) & ~EV_SIGNALED) === 0) {
        seen = got;
        current = true;
      } else at = this.#at[fd] = -1;
    }
    return SLOW_PATH;
  }

  #apply(fd: number, op: number, word: number): number {
    switch (op) {
      case SIGNAL:
        return word | EV_SIGNALED;
      case RESET:
        return word & ~EV_SIGNALED;
      case TAKE:
        return this.#info[fd] >>> 31 ? word : word & ~EV_SIGNALED;
      default:
        return word;
    }
  }

  /** Check the object `fd` names (see `usable` above): its event word's offset, or -1. */
  #check(fd: number): number {
    const st = this.#st, u32 = st.u32;
    if (st.fdKind(fd) !== FD_OBJECT) return -1;
    const obj = st.fdRef(fd), at = st.objectAt(obj);
    // Semaphores and mutexes come here too: send them on at once, from a
    // plain read (a stale "event" is caught by the atomic checks below).
    if (u32[at + O_TYPE] !== T_EVENT) return -1;
    const word = Atomics.load(st.i32, at + EVENT_STATE);
    if (
      (word & EV_PINNED) !== 0 || Atomics.load(u32, at + O_TYPE) !== T_EVENT ||
      st.i32[at + O_ANY_HEAD] !== NONE || u32[at + O_ALL_HINT] !== 0 ||
      st.fdKind(fd) !== FD_OBJECT || st.fdRef(fd) !== obj
    ) return -1;
    this.#at[fd] = at + EVENT_STATE;
    this.#word[fd] = word;
    this.#info[fd] = (u32[at + EVENT_MANUAL] !== 0 ? 0x8000_0000 : 0) |
      u32[at + O_INST];
    return at + EVENT_STATE;
  }

  #grow(fd: number): void {
    const length = cacheLength(fd, this.#st.fdCap);
    this.#at = extended(this.#at, length, -1);
    this.#word = extended(this.#word, length);
    this.#info = extended(this.#info, length);
  }
}
