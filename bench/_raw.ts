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

/**
 * Sleep-or-take on one hand-off flag word (0 nothing, 1 handed over, -1 a
 * sleeper waits on it): poll by the engine's spin rules, then sleep. Takes
 * the hand-off (back to 0).
 */
function takeHandOff(w: Int32Array, at: number, spinner: Spinner): void {
  spinner.start();
  for (let polls = 1; !spinner.over(polls); polls++) {
    if (Atomics.load(w, at) === 1) {
      Atomics.store(w, at, 0);
      spinner.caught();
      return;
    }
  }
  const sleptSince = performance.now();
  while (Atomics.compareExchange(w, at, 0, -1) !== 1) {
    Atomics.wait(w, at, -1);
  }
  Atomics.store(w, at, 0);
  spinner.slept(performance.now() - sleptSince);
}

/** Hand over on a flag word, waking its sleeper only if there is one. */
function handOff(w: Int32Array, at: number): void {
  if (Atomics.exchange(w, at, 1) === -1) Atomics.notify(w, at, 1);
}

/** Tickets wrap at 2^32: a power of two of slots keeps them in turn. */
function checkSlots(slots: number): void {
  if (!(slots > 0 && (slots & (slots - 1)) === 0)) {
    throw new RangeError(`slots must be a power of two, got ${slots}`);
  }
}

/** Words between two hand-off flags: one cache line each. */
const STRIDE = 16;

/**
 * A FIFO hand-off mutex (Anderson's array lock, sleeping on futexes): each
 * locker takes a ticket and waits on its own flag; unlock hands the mutex
 * to the next ticket, which is the longest waiter, and wakes only it. The
 * releaser cannot take it back first: what NT's mutexes (and ntsync's
 * queue) require, and what a futex mutex's barging avoids paying.
 *
 * Layout from `at`: the ticket counter, then `slots` flags a cache line
 * apart. One instance per thread (it keeps the ticket it holds); `init`
 * once, before any thread uses it.
 */
export class FifoMutex {
  readonly #w: Int32Array;
  readonly #at: number;
  readonly #slots: number;
  readonly #spinner = new Spinner();
  #held = -1;

  /**
   * @param words the shared words (`at + STRIDE * (slots + 1)` of them)
   * @param at the lock's first word
   * @param slots more than the threads that ever lock it
   */
  constructor(words: Int32Array, at: number, slots = 8) {
    checkSlots(slots);
    this.#w = words;
    this.#at = at;
    this.#slots = slots;
  }

  /** Words the lock needs. */
  static words(slots = 8): number {
    return STRIDE * (slots + 1);
  }

  /** Make the lock free (the first ticket's flag set). */
  init(): void {
    this.#w.fill(0, this.#at, this.#at + FifoMutex.words(this.#slots));
    Atomics.store(this.#w, this.#flag(0), 1);
  }

  #flag(ticket: number): number {
    return this.#at + STRIDE * (1 + (ticket >>> 0) % this.#slots);
  }

  /** Take a ticket and wait for its turn. */
  lock(): void {
    const ticket = Atomics.add(this.#w, this.#at, 1);
    takeHandOff(this.#w, this.#flag(ticket), this.#spinner);
    this.#held = ticket;
  }

  /** Hand the mutex to the next ticket. */
  unlock(): void {
    handOff(this.#w, this.#flag(this.#held + 1));
  }
}

/**
 * A FIFO counting semaphore: acquirers take tickets and each waits on the
 * slot its ticket maps to; each release grants the oldest ticket not yet
 * granted (so a count released while a thread waits goes to that thread,
 * never to a later acquirer, as ntsync's queue does).
 *
 * A slot holds the latest grant made to it, as a generation (grant + 1):
 * ticket t has its count once its slot's generation is t + 1 or later. So
 * a slot needs no reset, and grants may run ahead of a waiter that is not
 * running by any number of laps (other threads keep taking and releasing
 * meanwhile) without one grant undoing another.
 *
 * Layout from `at`: the ticket counter, the grant counter, then per slot
 * its generation and its sleeper count. Stateless: any number of
 * instances over the same words.
 */
export class FifoSemaphore {
  readonly #w: Int32Array;
  readonly #at: number;
  readonly #slots: number;
  readonly #spinner = new Spinner();

  /**
   * @param words the shared words (`at + FifoSemaphore.words(slots)`)
   * @param at the semaphore's first word
   * @param slots a power of two; more slots, fewer tickets sharing a futex
   */
  constructor(words: Int32Array, at: number, slots: number) {
    checkSlots(slots);
    this.#w = words;
    this.#at = at;
    this.#slots = slots;
  }

  /** Words the semaphore needs. */
  static words(slots: number): number {
    return 2 + 2 * slots;
  }

  /** Set the count to `initial` (no waiters yet). */
  init(initial: number): void {
    const w = this.#w, at = this.#at;
    w.fill(0, at, at + FifoSemaphore.words(this.#slots));
    Atomics.store(w, at + 1, initial);
    for (let t = 0; t < initial; t++) this.#grant(t);
  }

  #slot(ticket: number): number {
    return this.#at + 2 + 2 * ((ticket >>> 0) % this.#slots);
  }

  /** Raise ticket `t`'s slot to generation t + 1 (never lower it). */
  #grant(t: number): number {
    const w = this.#w, at = this.#slot(t), gen = (t + 1) | 0;
    for (let v = Atomics.load(w, at); ((gen - v) | 0) > 0;) {
      const was = Atomics.compareExchange(w, at, v, gen);
      if (was === v) break;
      v = was;
    }
    return at;
  }

  /** Take one count, after every earlier acquirer. */
  acquire(): void {
    const w = this.#w, spinner = this.#spinner;
    const ticket = Atomics.add(w, this.#at, 1);
    const at = this.#slot(ticket), want = (ticket + 1) | 0;
    spinner.start();
    for (let polls = 1; !spinner.over(polls); polls++) {
      if (((Atomics.load(w, at) - want) | 0) >= 0) {
        spinner.caught();
        return;
      }
    }
    const sleptSince = performance.now();
    Atomics.add(w, at + 1, 1);
    for (;;) {
      const v = Atomics.load(w, at);
      if (((v - want) | 0) >= 0) break;
      Atomics.wait(w, at, v);
    }
    Atomics.sub(w, at + 1, 1);
    spinner.slept(performance.now() - sleptSince);
  }

  /** Give one count to the oldest ticket it has not yet been given to. */
  release(): void {
    const w = this.#w;
    const at = this.#grant(Atomics.add(w, this.#at + 1, 1));
    if (Atomics.load(w, at + 1) > 0) Atomics.notify(w, at);
  }
}

/**
 * A counting semaphore that barges, like the futex mutex: an acquirer takes
 * any count it sees, whoever waited longer; sleepers are counted so that a
 * release makes a futex call only when one sleeps. Layout: count, sleepers.
 */
export class FutexSemaphore {
  readonly #w: Int32Array;
  readonly #at: number;

  /**
   * @param words the shared words
   * @param at the count's word (the sleeper count is the next)
   */
  constructor(words: Int32Array, at: number) {
    this.#w = words;
    this.#at = at;
  }

  /** Set the count to `initial`. */
  init(initial: number): void {
    Atomics.store(this.#w, this.#at, initial);
    Atomics.store(this.#w, this.#at + 1, 0);
  }

  #tryTake(): boolean {
    const w = this.#w, at = this.#at;
    for (let c = Atomics.load(w, at); c > 0; c = Atomics.load(w, at)) {
      if (Atomics.compareExchange(w, at, c, c - 1) === c) return true;
    }
    return false;
  }

  /** Take one count, spinning up to `spins` polls before sleeping. */
  acquire(spins = 100): void {
    if (this.#tryTake()) return;
    for (let i = 0; i < spins; i++) if (this.#tryTake()) return;
    const w = this.#w, at = this.#at;
    Atomics.add(w, at + 1, 1);
    while (!this.#tryTake()) Atomics.wait(w, at, 0);
    Atomics.sub(w, at + 1, 1);
  }

  /** Add one count; wake a sleeper if there is one. */
  release(): void {
    const w = this.#w, at = this.#at;
    Atomics.add(w, at, 1);
    if (Atomics.load(w, at + 1) > 0) Atomics.notify(w, at, 1);
  }
}
