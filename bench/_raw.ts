/**
 * The floors the benches compare against: what raw `Atomics` on shared
 * memory do for the same job, written as tightly as a careful user would.
 *
 * @module
 */

import { Spinner } from "../core/emulated/spin.ts";

/**
 * An auto-reset event for one waiter on one shared word: 0 unsignaled,
 * 1 signaled, -1 unsignaled with the waiter asleep (so `signal` pays for
 * `Atomics.notify` only when someone sleeps).
 */
export class RawEvent {
  readonly #w: Int32Array;
  readonly #at: number;
  /**
   * The waiter's spin budget, by the emulated engine's own rules
   * (core/emulated/spin.ts), so "spin then sleep" means the same on both
   * sides of a comparison.
   */
  readonly #spinner = new Spinner();

  /**
   * @param words the shared words
   * @param at this event's word
   */
  constructor(words: Int32Array, at: number) {
    this.#w = words;
    this.#at = at;
  }

  /** Signal; wake the waiter if it sleeps. */
  signal(): void {
    if (Atomics.exchange(this.#w, this.#at, 1) === -1) {
      Atomics.notify(this.#w, this.#at, 1);
    }
  }

  /** Take the signal: poll for the spin budget, then sleep until signaled. */
  wait(): void {
    const w = this.#w, at = this.#at, spinner = this.#spinner;
    spinner.start();
    for (let polls = 1; !spinner.over(polls); polls++) {
      if (
        Atomics.load(w, at) === 1 && Atomics.compareExchange(w, at, 1, 0) === 1
      ) {
        spinner.caught();
        return;
      }
    }
    const sleptSince = performance.now();
    for (;;) {
      const was = Atomics.compareExchange(w, at, 0, -1);
      if (was === 1) {
        if (Atomics.compareExchange(w, at, 1, 0) === 1) break;
        continue;
      }
      Atomics.wait(w, at, -1);
      if (Atomics.compareExchange(w, at, 1, 0) === 1) break;
    }
    spinner.slept(performance.now() - sleptSince);
  }
}

/**
 * The classic futex mutex (Drepper, "Futexes are tricky", mutex 2): one CAS
 * to take it uncontended, a short spin, then sleep; states 0 free, 1 held,
 * 2 held with sleepers. Barging, not FIFO: the releaser may take it again.
 */
export class FutexMutex {
  readonly #w: Int32Array;
  readonly #at: number;

  /**
   * @param words the shared words
   * @param at this mutex's word
   */
  constructor(words: Int32Array, at: number) {
    this.#w = words;
    this.#at = at;
  }

  /** Take the mutex, spinning up to `spins` polls before sleeping. */
  lock(spins = 100): void {
    const w = this.#w, at = this.#at;
    if (Atomics.compareExchange(w, at, 0, 1) === 0) return;
    for (let i = 0; i < spins; i++) {
      if (
        Atomics.load(w, at) === 0 && Atomics.compareExchange(w, at, 0, 1) === 0
      ) return;
    }
    while (Atomics.exchange(w, at, 2) !== 0) Atomics.wait(w, at, 2);
  }

  /** Release it, waking one sleeper if there may be one. */
  unlock(): void {
    const w = this.#w, at = this.#at;
    if (Atomics.sub(w, at, 1) !== 1) {
      Atomics.store(w, at, 0);
      Atomics.notify(w, at, 1);
    }
  }
}

/** Busy-wait about `us` microseconds (a peer's think time that outlasts any spin). */
export function busyWait(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end) { /* burn */ }
}
