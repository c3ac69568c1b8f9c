/**
 * The device lock: a futex-style mutex on one shared word.
 *
 * Uncontended it is one compare-and-swap to take and one atomic subtract to
 * release. Contended, it spins briefly (critical sections are a few hundred
 * nanoseconds), then sleeps with `Atomics.wait` and is woken by the holder.
 * States: 0 free, 1 held, 2 held and someone may be sleeping.
 *
 * @module
 */

const SPINS = 100;

/** Take the lock at `i32[index]`. */
export function lock(i32: Int32Array, index: number): void {
  if (Atomics.compareExchange(i32, index, 0, 1) === 0) return;
  lockSlow(i32, index);
}

function lockSlow(i32: Int32Array, index: number): void {
  for (let i = 0; i < SPINS; i++) {
    if (
      Atomics.load(i32, index) === 0 &&
      Atomics.compareExchange(i32, index, 0, 1) === 0
    ) return;
  }
  // Mark "maybe sleepers" while taking it, so the holder knows to notify.
  while (Atomics.exchange(i32, index, 2) !== 0) {
    Atomics.wait(i32, index, 2);
  }
}

/** Release the lock at `i32[index]`, waking one sleeper if there may be one. */
export function unlock(i32: Int32Array, index: number): void {
  if (Atomics.sub(i32, index, 1) !== 1) {
    Atomics.store(i32, index, 0);
    Atomics.notify(i32, index, 1);
  }
}
