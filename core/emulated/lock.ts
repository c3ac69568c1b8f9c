/**
 * The device lock: a futex-style mutex on one shared word that names its
 * holder.
 *
 * The word is 0 when free, else the holder's thread id times LOCK_HOLDER,
 * plus LOCK_SLEEPERS when someone may be asleep on it (the holder then
 * notifies on release) and LOCK_ABANDONED when the holder left without
 * releasing it (an exception it could not clean up after, or a thread that
 * died: see SharedState#recoverFrom). Uncontended it is one
 * compare-and-swap to take and one to release. Contended, it spins briefly
 * (critical sections are a few hundred nanoseconds), then sleeps with
 * `Atomics.wait`, for at most RECHECK_MS at a time: a lock abandoned
 * without a notify (the holder could no longer call one) is still found.
 *
 * @module
 */

import { LOCK_ABANDONED, LOCK_SLEEPERS } from "./layout.ts";

const SPINS = 100;
/** Longest sleep before a locker looks at the lock word again. */
export const RECHECK_MS = 10;

/**
 * Take the lock at `i32[index]` as `me` (a holder word: thread id times
 * LOCK_HOLDER, nonzero). Returns true if it was taken over from an
 * abandoned holder: the caller must then undo or finish what that holder
 * left half-done before anything else.
 */
export function lock(i32: Int32Array, index: number, me: number): boolean {
  if (Atomics.compareExchange(i32, index, 0, me) === 0) return false;
  return lockSlow(i32, index, me);
}

function lockSlow(i32: Int32Array, index: number, me: number): boolean {
  for (let i = 0; i < SPINS; i++) {
    const word = Atomics.load(i32, index);
    if (word === 0) {
      if (Atomics.compareExchange(i32, index, 0, me) === 0) return false;
    } else if ((word & LOCK_ABANDONED) !== 0) break;
  }
  for (;;) {
    const word = Atomics.load(i32, index);
    if (word === 0) {
      // Taken after others may have gone to sleep: keep the flag, so that
      // the release wakes one of them.
      const mine = me | LOCK_SLEEPERS;
      if (Atomics.compareExchange(i32, index, 0, mine) === 0) return false;
      continue;
    }
    if ((word & LOCK_ABANDONED) !== 0) {
      const mine = me | (word & LOCK_SLEEPERS);
      if (Atomics.compareExchange(i32, index, word, mine) === word) return true;
      continue;
    }
    const sleeping = word | LOCK_SLEEPERS;
    if (
      word === sleeping ||
      Atomics.compareExchange(i32, index, word, sleeping) === word
    ) {
      Atomics.wait(i32, index, sleeping, RECHECK_MS);
    }
  }
}

/** unlock(): released, and someone may be asleep on it: notify one. */
export const RELEASED_WAKE = 2;
/** unlock(): released. */
export const RELEASED = 1;

/**
 * Release the lock at `i32[index]` held as `me`: RELEASED, or
 * RELEASED_WAKE when the caller must then `Atomics.notify` one sleeper
 * (left to the caller, so that it can first record that it no longer holds
 * the lock), or 0 if `me` no longer held it (it was taken over as
 * abandoned meanwhile): then nothing is changed.
 */
export function unlock(i32: Int32Array, index: number, me: number): number {
  const word = Atomics.compareExchange(i32, index, me, 0);
  if (word === me) return RELEASED;
  if (word !== (me | LOCK_SLEEPERS)) return 0;
  if (Atomics.compareExchange(i32, index, word, 0) !== word) return 0;
  return RELEASED_WAKE;
}
