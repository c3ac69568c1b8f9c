/**
 * What the lock-free mutex and semaphore paths (fast_mutex.ts, fast_sem.ts)
 * share: their spin, and what they check of an fd without the device lock:
 * plain reads, each a hint until the path's compare-and-swap on the
 * object's word proves nothing changed since it read that word (see
 * "Guarded by" of EVENT_STATE in layout.ts).
 *
 * Only the word itself is read with `Atomics.load`; what those paths check
 * after it (the fd, the object's fields and queues, the attachment's
 * revocation word) are plain reads. Each `Atomics.load` is a call into the
 * runtime (about 6 ns in Deno 2.9.6, a plain read under 1), and a read after
 * it still sees at least what was stored before the word it returned: the
 * compiler keeps reads after a call that has effects, and the load is a
 * load-acquire on weakly ordered CPUs (a plain load on x86). Anything a
 * locked section changed was changed while the word was pinned, and the
 * unpin is an atomic store; a reap stores the revocation word before it
 * takes the lock and pins what it changes.
 *
 * @module
 */

import {
  EV_PINNED,
  EV_SIGNALED,
  EVENT_STATE,
  FD_DEVICE,
  FD_OBJECT,
  MX_VERSION,
  O_ALL_HINT,
  O_ANY_HEAD,
  O_INST,
  O_TYPE,
  T_EVENT,
} from "./layout.ts";
import type { SharedState } from "./state.ts";
import type { Spinner } from "./spin.ts";
import { NOT_SIGNALED, SLOW_PATH } from "./results.ts";

/**
 * `words` copied into a new array of `length`, `fill` after them: a per-fd
 * cache grown (to {@linkcode cacheLength}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { extended } from "./fast_object.ts";
 * const at = extended(new Int32Array([4, 8]), 4, -1);
 * assert.deepEqual([...at], [4, 8, -1, -1]);
 * ```
 */
export function extended(
  words: Int32Array,
  length: number,
  fill = 0,
): Int32Array<ArrayBuffer> {
  const longer = new Int32Array(length);
  if (fill !== 0) longer.fill(fill, words.length);
  longer.set(words);
  return longer;
}

/**
 * How long a per-fd cache grows to hold `fd`: double, at least 64, never
 * past the fd table's `fdCap` entries (an fd beyond it is EBADF, never
 * cached).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cacheLength } from "./fast_object.ts";
 * assert.equal(cacheLength(3, 1024), 64);
 * assert.equal(cacheLength(100, 1024), 202);
 * assert.equal(cacheLength(1000, 1024), 1024);
 * ```
 */
export function cacheLength(fd: number, fdCap: number): number {
  return Math.min(Math.max(64, (fd + 1) * 2), fdCap);
}

/** An empty queue head (layout.ts). */
export const NONE = -1;
/** Swaps lost to other fast paths before giving way to the slow path. */
export const SWAP_TRIES = 4;

/**
 * The word offset of the object `fd` names if it is of `type`, else -1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SharedState } from "./state.ts";
 * import { DEFAULT_CAPACITIES, T_MUTEX } from "./layout.ts";
 * import { objectOfType } from "./fast_object.ts";
 * const st = SharedState.create(DEFAULT_CAPACITIES, 0);
 * assert.equal(objectOfType(st, 3, T_MUTEX), -1); // no such fd
 * ```
 */
export function objectOfType(
  st: SharedState,
  fd: number,
  type: number,
): number {
  if (st.fdKind(fd) !== FD_OBJECT) return -1;
  const at = st.objectAt(st.fdRef(fd));
  return st.u32[at + O_TYPE] === type ? at : -1;
}

/**
 * Whether `fd` names the object at `at`, of `type`, created on `instance`
 * (-1: any instance). Read after the object's word, so that the swap that
 * commits proves it still held then.
 */
export function stillNames(
  st: SharedState,
  fd: number,
  at: number,
  type: number,
  instance: number,
): boolean {
  return st.fdKind(fd) === FD_OBJECT && st.objectAt(st.fdRef(fd)) === at &&
    st.u32[at + O_TYPE] === type &&
    (instance < 0 || st.u32[at + O_INST] === instance);
}

/**
 * Did `alertFd` name an object of device instance `instance` (the one the
 * wait's device fd names, resolved by the caller), at one moment between
 * this call's start and its end? What a fast wait
 * with an alert checks of it (`setup_wait()` resolves the alert with the
 * objects, before anything is acquired; its type is not checked). The
 * alert's word is read before and after the plain reads: a close or a
 * reuse of the fd pins the object it named (objectUnref), so a word that
 * stayed unpinned with the same version in between proves the reads saw
 * one state. Lock-free calls on the alert meanwhile change only bits the
 * version leaves out (an event's signaled bit, a mutex's owner slot or a
 * semaphore's count) and do not matter. False sends the wait to the locked
 * path, which answers in the kernel's order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SharedState } from "./state.ts";
 * import { DEFAULT_CAPACITIES } from "./layout.ts";
 * import { alertNamesObjectOf } from "./fast_object.ts";
 * const st = SharedState.create(DEFAULT_CAPACITIES, 0);
 * assert.equal(alertNamesObjectOf(st, 5, 0), false); // fd 5 is not open
 * ```
 */
export function alertNamesObjectOf(
  st: SharedState,
  alertFd: number,
  instance: number,
): boolean {
  if (st.fdKind(alertFd) !== FD_OBJECT) return false;
  const at = st.objectAt(st.fdRef(alertFd));
  const word = Atomics.load(st.i32, at + EVENT_STATE);
  if ((word & EV_PINNED) !== 0) return false;
  const type = st.u32[at + O_TYPE];
  if (type === 0 || !stillNames(st, alertFd, at, type, instance)) return false;
  const again = Atomics.load(st.i32, at + EVENT_STATE);
  const version = type === T_EVENT ? ~EV_SIGNALED : -MX_VERSION;
  return ((word ^ again) & version) === 0 && (again & EV_PINNED) === 0;
}

/**
 * What the mutex and semaphore fast paths (fast_mutex.ts, fast_sem.ts)
 * share: the device as this thread sees it, its spin budget and revocation
 * word, and the spin that polls an object's word until it looks free.
 */
export abstract class CountedFastPath {
  /** The device, as this thread sees it. */
  protected readonly st: SharedState;
  /** This thread's spin budget. */
  protected readonly spinner: Spinner;
  /** The attachment's revocation word (attachment.ts; read plain, above). */
  protected readonly cell: Int32Array;

  /**
   * @param st the device, as this thread sees it
   * @param spinner this thread's spin budget
   * @param cell the attachment's revocation word
   */
  constructor(st: SharedState, spinner: Spinner, cell: Int32Array) {
    this.st = st;
    this.spinner = spinner;
    this.cell = cell;
  }

  /** The object type these paths serve. */
  protected abstract readonly type: number;

  // Remembered words (the per-fd caches below). A path that took its
  // checks and committed through fd remembers the object's word as it left
  // it: while the word keeps that version and is not pinned, every check
  // still holds (only a holder of the device lock changes what they read,
  // and it pins the word first), so the next call through fd can swap
  // against the word it guesses without reading it or anything else
  // first. A swap then moves the object's cache line once, where a load
  // and a swap move it twice when two cores take turns. A wrong guess
  // costs the swap and the paths start over. The remembered word was read
  // in an earlier call, so it was read before this call's look at the
  // revocation word ("Reaped attachments" in fast.ts).

  /** Per fd: the word offset of the object remembered for it, or -1. */
  protected knownAt: Int32Array = new Int32Array(0);
  /** Per fd: that object's word as this thread last found or left it. */
  protected knownWord: Int32Array = new Int32Array(0);
  /** Per fd: that object's instance. */
  protected knownInstance: Int32Array = new Int32Array(0);

  /**
   * The word offset remembered for `fd` (an fd number), if its object is
   * of `instance` (-1: any), else -1.
   */
  protected known(fd: number, instance: number): number {
    if (fd >= this.knownAt.length) return -1;
    const at = this.knownAt[fd];
    return at >= 0 && (instance < 0 || this.knownInstance[fd] === instance)
      ? at
      : -1;
  }

  /**
   * The word offset remembered for `fd` (an fd number), or -1: a hint with
   * no look at the tables, as `EventFastPath.knowsEvent` is (a stale one
   * fails its swap, and the path then checks the fd).
   */
  rememberedAt(fd: number): number {
    return this.known(fd, -1);
  }

  /**
   * Remember the object at `at` for `fd`, with `word` as the word a swap
   * of this call left (its checks done in this call, after `word`'s
   * version was read).
   */
  protected remember(fd: number, at: number, word: number): void {
    if (fd >= this.knownAt.length) this.grow(fd);
    this.knownAt[fd] = at;
    this.knownWord[fd] = word;
    this.knownInstance[fd] = this.st.u32[at + O_INST];
  }

  /** Make the per-fd caches long enough for `fd`. */
  protected grow(fd: number): void {
    const length = cacheLength(fd, this.st.fdCap);
    this.knownAt = extended(this.knownAt, length, -1);
    this.knownWord = extended(this.knownWord, length);
    this.knownInstance = extended(this.knownInstance, length);
  }

  /**
   * The word offset of the object `fd` names if it is of this path's type,
   * from plain reads (a hint: the paths check it again after reading its
   * word), or -1.
   */
  objectAt(fd: number): number {
    return objectOfType(this.st, fd, this.type);
  }

  /** The instance device fd `deviceFd` names, or -1 if it names none. */
  protected instanceOf(deviceFd: number): number {
    const st = this.st;
    return st.fdKind(deviceFd) === FD_DEVICE ? st.fdRef(deviceFd) : -1;
  }

  /**
   * Start a wait of `owner` (an int32, nonzero) from device `deviceFd` on
   * the one object `fd` names, at word offset `at`: 0 acquired,
   * NOT_SIGNALED, or SLOW_PATH.
   */
  abstract acquire(
    deviceFd: number,
    fd: number,
    at: number,
    owner: number,
  ): number;

  /**
   * Whether the object at `at`, whose unpinned word is `word`, looks free
   * enough for `acquire` to try (a hint, polled while spinning).
   */
  protected abstract looksFree(word: number, at: number): boolean;

  /**
   * After `acquire` said NOT_SIGNALED: poll the object's word for the spin
   * budget (or until `endMs`, on `performance.now()`'s clock) and take it
   * as soon as it looks free. 0, NOT_SIGNALED (gave up), or SLOW_PATH
   * (among others, when waiters are queued: what is released goes to
   * them, so this wait has to queue too, and the slow path's queued wait
   * spins for the hand-off).
   */
  spinAcquire(
    deviceFd: number,
    fd: number,
    at: number,
    owner: number,
    endMs: number,
  ): number {
    const i32 = this.st.i32, spinner = this.spinner;
    spinner.start(endMs);
    for (let polls = 1; !spinner.over(polls); polls++) {
      if (
        Atomics.load(i32, at + O_ANY_HEAD) !== NONE ||
        Atomics.load(i32, at + O_ALL_HINT) !== 0
      ) return SLOW_PATH;
      const word = Atomics.load(i32, at + EVENT_STATE);
      if ((word & EV_PINNED) === 0 && this.looksFree(word, at)) {
        const r = this.acquire(deviceFd, fd, at, owner);
        if (r === 0) spinner.caught();
        if (r !== NOT_SIGNALED) return r;
      }
    }
    return NOT_SIGNALED;
  }
}
