/**
 * Fast paths that skip the device lock for mutexes: a wait on one mutex
 * nobody holds, and MUTEX_UNLOCK of a mutex held once with nobody waiting
 * on it. An uncontended lock/unlock pair then costs two compare-and-swaps
 * on the mutex's own cache line, as a raw `Atomics` mutex does, instead of
 * two trips through the device lock; and a thread spinning on a mutex
 * takes it the moment its holder lets go.
 *
 * A mutex held once in "fast form" keeps its owner in its EVENT_STATE word,
 * as a slot of the owner registry (owners.ts), with MUTEX_OWNER and
 * MUTEX_COUNT both 0 (layout.ts, MX_SLOT). The word also has the pinned bit
 * and a version, as an event's has (fast.ts): the device lock's holder pins
 * a mutex before it looks at it (moving a fast-form owner into MUTEX_OWNER
 * and MUTEX_COUNT) and gives it a new version when it lets go (putting a
 * mutex held once by an owner with a slot back in fast form). So while the
 * word keeps its version and is not pinned, nothing else about the mutex
 * has changed, and a path here:
 *
 * 1. reads the word;
 * 2. checks, after it, everything the ioctl's outcome depends on: the fd
 *    still names the object, a mutex (of the device's instance, for a
 *    wait), who holds it, whether it was abandoned, whether anyone waits on
 *    it, and that this attachment was not reaped (see "Reaped attachments"
 *    in fast.ts: the word read in this call comes before that look);
 * 3. commits with one compare-and-swap against the word of step 1, which
 *    fails if any of that changed meanwhile.
 *
 * Anything else (a recursive lock, an abandoned mutex, an owner the
 * registry has no slot for, waiters to hand the mutex to, an error to
 * report in the kernel's order) is the slow path's: `SLOW_PATH`. The ioctl
 * takes effect at the swap, as one that raced a close(2) and won.
 *
 * @module
 */

import { HOST_LITTLE_ENDIAN as LE } from "../../uapi/struct.ts";
import {
  EV_PINNED,
  EVENT_STATE,
  MUTEX_ABANDONED,
  MUTEX_OWNER,
  MX_SLOT,
  MX_SLOT_SHIFT,
  O_ALL_HINT,
  O_ANY_HEAD,
  T_MUTEX,
} from "./layout.ts";
import { ownerSlot } from "./owners.ts";
import {
  CountedFastPath,
  extended,
  NONE,
  stillNames,
  SWAP_TRIES,
} from "./fast_object.ts";
import { REVOKED } from "./attachment.ts";
import { NOT_SIGNALED, SLOW_PATH } from "./results.ts";

/** One thread's mutex fast paths for one device. */
export class MutexFastPath extends CountedFastPath {
  protected readonly type = T_MUTEX;
  // For a mutex, `knownWord` is its word free (no slot in it), and these
  // say who last took or let go of it through the fd.
  /** Per fd: the owner that last took or let go of the mutex through it. */
  #knownOwner: Int32Array<ArrayBuffer> = new Int32Array(0);
  /** Per fd: that owner's registry slot, shifted into place (MX_SLOT). */
  #knownSlot: Int32Array<ArrayBuffer> = new Int32Array(0);

  protected override grow(fd: number): void {
    super.grow(fd);
    const length = this.knownAt.length;
    this.#knownOwner = extended(this.#knownOwner, length);
    this.#knownSlot = extended(this.#knownSlot, length);
  }

  /** Remember the mutex `fd` names, `free` its word with no owner. */
  #rememberFree(
    fd: number,
    at: number,
    free: number,
    owner: number,
    slot: number,
  ): void {
    this.remember(fd, at, free);
    this.#knownOwner[fd] = owner;
    this.#knownSlot[fd] = slot << MX_SLOT_SHIFT;
  }

  /**
   * Start a wait of `owner` (an int32, nonzero) from device `deviceFd` on the
   * one mutex `fd` names, at word offset `at` (`objectAt`): 0 acquired,
   * NOT_SIGNALED (another owner holds it), or SLOW_PATH.
   */
  acquire(deviceFd: number, fd: number, at: number, owner: number): number {
    const instance = this.instanceOf(deviceFd);
    if (instance < 0) return SLOW_PATH;
    // Free as this thread last left it, for the same owner: one swap.
    if (
      this.known(fd, instance) === at && this.#knownOwner[fd] === owner &&
      this.cell[REVOKED] === 0 // plain: see fast_object.ts
    ) {
      const free = this.knownWord[fd];
      const held = free | this.#knownSlot[fd];
      const i32 = this.st.i32;
      if (Atomics.compareExchange(i32, at + EVENT_STATE, free, held) === free) {
        return 0;
      }
    }
    return this.#acquireChecked(fd, at, owner, instance);
  }

  /**
   * `acquire` once the remembered word did not hold: read the word, check
   * the mutex after it, and swap. Apart, so that the common case above is
   * small enough for V8 to inline into its callers.
   */
  #acquireChecked(
    fd: number,
    at: number,
    owner: number,
    instance: number,
  ): number {
    const st = this.st, i32 = st.i32, own = st.sec.own;
    for (let n = SWAP_TRIES; n > 0; n--) {
      const word = Atomics.load(i32, at + EVENT_STATE);
      if ((word & EV_PINNED) !== 0) return SLOW_PATH;
      // Checked after the word: the swap below proves they still hold.
      if (!stillNames(st, fd, at, T_MUTEX, instance)) return SLOW_PATH;
      const slot = (word & MX_SLOT) >>> MX_SLOT_SHIFT;
      const holder = slot !== 0 ? i32[own + slot] : i32[at + MUTEX_OWNER];
      if (holder !== 0) return holder === owner ? SLOW_PATH : NOT_SIGNALED;
      if (i32[at + MUTEX_ABANDONED] !== 0) return SLOW_PATH; // EOWNERDEAD
      const mine = ownerSlot(i32, own, owner);
      if (mine === 0) return SLOW_PATH; // the slow path gives it a slot
      if (this.cell[REVOKED] !== 0) return SLOW_PATH; // plain: see fast_object.ts
      const next = word | (mine << MX_SLOT_SHIFT);
      if (Atomics.compareExchange(i32, at + EVENT_STATE, word, next) === word) {
        this.#rememberFree(fd, at, word, owner, mine);
        return 0;
      }
    }
    return SLOW_PATH;
  }

  /** Held by nobody (in neither form). */
  protected looksFree(word: number, at: number): boolean {
    return (word & MX_SLOT) === 0 &&
      Atomics.load(this.st.i32, at + MUTEX_OWNER) === 0;
  }

  /**
   * MUTEX_UNLOCK on `fd` with `arg` (the caller checked the fd number and
   * the attachment): 0 (the count before, 1, copied out), or SLOW_PATH.
   */
  unlock(fd: number, arg: DataView | null): number {
    if (arg === null || arg.byteLength < 8) return SLOW_PATH; // EFAULT
    const owner = arg.getInt32(0, LE);
    if (owner === 0) return SLOW_PATH; // EINVAL
    // Held once by `owner`, as this thread last saw it: one swap.
    const known = this.known(fd, -1);
    if (
      known >= 0 && this.#knownOwner[fd] === owner &&
      this.cell[REVOKED] === 0 // plain: see fast_object.ts
    ) {
      const free = this.knownWord[fd];
      const held = free | this.#knownSlot[fd];
      const i32 = this.st.i32;
      if (
        Atomics.compareExchange(i32, known + EVENT_STATE, held, free) === held
      ) {
        arg.setUint32(4, 1, LE);
        return 0;
      }
    }
    return this.#unlockChecked(fd, arg, owner);
  }

  /**
   * `unlock` once the remembered word did not hold: read the word, check
   * the mutex after it, and swap (apart, as `#acquireChecked` is).
   */
  #unlockChecked(fd: number, arg: DataView, owner: number): number {
    const st = this.st, i32 = st.i32;
    const at = this.objectAt(fd);
    if (at < 0) return SLOW_PATH;
    const word = Atomics.load(i32, at + EVENT_STATE);
    const slot = (word & MX_SLOT) >>> MX_SLOT_SHIFT;
    // Held once by `owner`, in fast form (else EPERM, or a count to take
    // down, for the slow path), with nobody to hand it to.
    if (
      (word & EV_PINNED) !== 0 || slot === 0 ||
      i32[st.sec.own + slot] !== owner ||
      !stillNames(st, fd, at, T_MUTEX, -1) ||
      i32[at + O_ANY_HEAD] !== NONE || i32[at + O_ALL_HINT] !== 0 ||
      this.cell[REVOKED] !== 0 // plain: see fast_object.ts
    ) return SLOW_PATH;
    const next = word & ~MX_SLOT;
    if (Atomics.compareExchange(i32, at + EVENT_STATE, word, next) !== word) {
      return SLOW_PATH;
    }
    this.#rememberFree(fd, at, next, owner, slot);
    // As `ntsync_mutex_unlock()`, the count before, copied out last.
    arg.setUint32(4, 1, LE);
    return 0;
  }
}
