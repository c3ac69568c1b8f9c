/**
 * Fast paths that skip the device lock for semaphores: SEM_RELEASE with
 * nobody waiting on the semaphore, and a wait on one semaphore that has a
 * unit. A producer and a consumer then pass units with one
 * compare-and-swap each on the semaphore's own word, instead of two trips
 * through the device lock, and a consumer spinning for a unit takes it the
 * moment it is released.
 *
 * A semaphore whose count is at most SEM_FAST_MAX keeps it in its
 * EVENT_STATE word ("fast form", layout.ts, SEM_FAST), with SEM_COUNT 0;
 * a larger count stays in SEM_COUNT, and calls on it take the lock. The
 * protocol is the mutex's (fast_mutex.ts): the device lock's holder pins
 * the semaphore before it looks at it (moving the count into SEM_COUNT)
 * and gives its word a new version when it lets go (moving a small count
 * back). So while the word keeps its version and is not pinned, nothing
 * else about the semaphore has changed, and a path here reads the word,
 * checks after it everything the outcome depends on (the fd still names
 * the semaphore, of the device's instance for a wait; nobody waits on it,
 * for a release; the attachment was not reaped), and commits with one
 * compare-and-swap against that word.
 *
 * Anything else (a count past the fast form, an overflow or any other
 * error to report in the kernel's order, waiters to wake) is the slow
 * path's: `SLOW_PATH`. The ioctl takes effect at the swap.
 *
 * @module
 */

import { HOST_LITTLE_ENDIAN as LE } from "../../uapi/struct.ts";
import {
  EV_PINNED,
  EVENT_STATE,
  O_ALL_HINT,
  O_ANY_HEAD,
  SEM_COUNT,
  SEM_FAST,
  SEM_FAST_MAX,
  SEM_FAST_SHIFT,
  SEM_MAX,
  T_SEM,
} from "./layout.ts";
import {
  CountedFastPath,
  NONE,
  stillNames,
  SWAP_TRIES,
} from "./fast_object.ts";
import { REVOKED } from "./attachment.ts";
import { NOT_SIGNALED, SLOW_PATH } from "./results.ts";

/** One unit in a semaphore's EVENT_STATE. */
const UNIT = 1 << SEM_FAST_SHIFT;

/** One thread's semaphore fast paths for one device. */
export class SemFastPath extends CountedFastPath {
  protected readonly type = T_SEM;

  /**
   * Start a wait from device `deviceFd` on the one semaphore `fd` names, at
   * word offset `at` (`objectAt`): 0 (a unit taken), NOT_SIGNALED (none), or
   * SLOW_PATH. (`_owner`: a unit has none.)
   */
  acquire(deviceFd: number, fd: number, at: number, _owner: number): number {
    const instance = this.instanceOf(deviceFd);
    if (instance < 0) return SLOW_PATH;
    // Checked before at this version: swap against the word as last seen.
    if (this.known(fd, instance) === at) {
      const i32 = this.st.i32, seen = this.knownWord[fd];
      if (
        (seen & SEM_FAST) !== 0 &&
        this.cell[REVOKED] === 0 && // plain: see fast_object.ts
        Atomics.compareExchange(i32, at + EVENT_STATE, seen, seen - UNIT) ===
          seen
      ) {
        this.knownWord[fd] = seen - UNIT;
        return 0;
      }
    }
    return this.#acquireChecked(fd, at, instance);
  }

  /**
   * `acquire` once the remembered word did not do at once: against the
   * word as it is now if only the count moved, else read the word, check
   * the semaphore after it, and swap. Apart, so that the common case
   * above is small enough for V8 to inline into its callers.
   */
  #acquireChecked(fd: number, at: number, instance: number): number {
    const st = this.st, i32 = st.i32;
    if (this.known(fd, instance) === at) {
      // Look: the word as last seen was empty (a poll's answer must come
      // from this call) or lost its swap.
      let seen = Atomics.load(i32, at + EVENT_STATE);
      for (let n = SWAP_TRIES; n > 0; n--) {
        if (((seen ^ this.knownWord[fd]) & ~SEM_FAST) !== 0) break; // moved on
        if (this.cell[REVOKED] !== 0) return SLOW_PATH; // plain: see fast_object.ts
        // Read in this call, at the version checked: SEM_COUNT is 0.
        if ((seen & SEM_FAST) === 0) return NOT_SIGNALED;
        const got = Atomics.compareExchange(
          i32,
          at + EVENT_STATE,
          seen,
          seen - UNIT,
        );
        if (got === seen) {
          this.knownWord[fd] = seen - UNIT;
          return 0;
        }
        seen = got; // the loop's first check sends a new version below
      }
    }
    for (let n = SWAP_TRIES; n > 0; n--) {
      const word = Atomics.load(i32, at + EVENT_STATE);
      if ((word & EV_PINNED) !== 0) return SLOW_PATH;
      // Checked after the word: the swap below proves they still hold.
      if (!stillNames(st, fd, at, T_SEM, instance)) return SLOW_PATH;
      if ((word & SEM_FAST) === 0) {
        // None here; units past the fast form are the locked path's.
        return i32[at + SEM_COUNT] === 0 ? NOT_SIGNALED : SLOW_PATH;
      }
      if (this.cell[REVOKED] !== 0) return SLOW_PATH; // plain: see fast_object.ts
      const next = word - UNIT;
      if (Atomics.compareExchange(i32, at + EVENT_STATE, word, next) === word) {
        this.remember(fd, at, next);
        return 0;
      }
    }
    return SLOW_PATH;
  }

  /** A unit in the word (units past the fast form are the locked path's). */
  protected looksFree(word: number): boolean {
    return (word & SEM_FAST) !== 0;
  }

  /**
   * SEM_RELEASE on `fd` with `arg` (the caller checked the fd number and
   * the attachment): 0 (the count before copied out), or SLOW_PATH.
   */
  release(fd: number, arg: DataView | null): number {
    if (arg === null || arg.byteLength < 4) return SLOW_PATH; // EFAULT
    const amount = arg.getUint32(0, LE);
    // 0 changes nothing but still takes the lock, as the kernel's does.
    if (amount === 0 || amount > SEM_FAST_MAX) return SLOW_PATH;
    // Checked before at this version (nobody waits, so nobody to wake):
    // swap against the word as last seen.
    const known = this.known(fd, -1);
    if (known >= 0) {
      const st = this.st, seen = this.knownWord[fd];
      const prev = (seen & SEM_FAST) >>> SEM_FAST_SHIFT;
      const next = seen + amount * UNIT;
      if (
        prev + amount <= Math.min(SEM_FAST_MAX, st.u32[known + SEM_MAX]) &&
        this.cell[REVOKED] === 0 && // plain: see fast_object.ts
        Atomics.compareExchange(st.i32, known + EVENT_STATE, seen, next) ===
          seen
      ) {
        this.knownWord[fd] = next;
        arg.setUint32(0, prev, LE);
        return 0;
      }
    }
    return this.#releaseChecked(fd, arg, amount);
  }

  /**
   * `release` once the remembered word did not do at once (apart, as
   * `#acquireChecked` is): against the word as it is now if only the
   * count moved, else read the word, check the semaphore after it, and
   * swap.
   */
  #releaseChecked(fd: number, arg: DataView, amount: number): number {
    const st = this.st, i32 = st.i32;
    const known = this.known(fd, -1);
    if (known >= 0) {
      const limit = Math.min(SEM_FAST_MAX, st.u32[known + SEM_MAX]);
      // Look: the word as last seen lost its swap (or was too full).
      let seen = Atomics.load(i32, known + EVENT_STATE);
      for (let n = SWAP_TRIES; n > 0; n--) {
        if (((seen ^ this.knownWord[fd]) & ~SEM_FAST) !== 0) break; // moved on
        if (this.cell[REVOKED] !== 0) break; // plain: see fast_object.ts
        const prev = (seen & SEM_FAST) >>> SEM_FAST_SHIFT;
        if (prev + amount > limit) break; // EOVERFLOW or past the fast form
        const next = seen + amount * UNIT;
        const got = Atomics.compareExchange(
          i32,
          known + EVENT_STATE,
          seen,
          next,
        );
        if (got === seen) {
          this.knownWord[fd] = next;
          arg.setUint32(0, prev, LE);
          return 0;
        }
        seen = got; // the loop's first check sends a new version below
      }
    }
    const at = this.objectAt(fd);
    if (at < 0) return SLOW_PATH;
    const word = Atomics.load(i32, at + EVENT_STATE);
    const prev = (word & SEM_FAST) >>> SEM_FAST_SHIFT;
    // In fast form (or empty), staying in it, not past max (else
    // EOVERFLOW, for the slow path), with nobody to wake.
    if (
      (word & EV_PINNED) !== 0 || i32[at + SEM_COUNT] !== 0 ||
      prev + amount > SEM_FAST_MAX || prev + amount > st.u32[at + SEM_MAX] ||
      !stillNames(st, fd, at, T_SEM, -1) ||
      i32[at + O_ANY_HEAD] !== NONE || i32[at + O_ALL_HINT] !== 0 ||
      this.cell[REVOKED] !== 0 // plain: see fast_object.ts
    ) return SLOW_PATH;
    const next = word + amount * UNIT;
    if (Atomics.compareExchange(i32, at + EVENT_STATE, word, next) !== word) {
      return SLOW_PATH;
    }
    this.remember(fd, at, next);
    // As `ntsync_sem_release()`, the count before, copied out last.
    arg.setUint32(0, prev, LE);
    return 0;
  }
}
