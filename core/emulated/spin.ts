/**
 * How long a blocking wait polls before it sleeps. A hand-off from a peer
 * that is running usually lands within it, and then costs neither side a
 * futex call; a peer that is not running costs at most this much CPU.
 *
 * The budget is time, not a number of polls, so that waits whose polls
 * cost more (several objects) spin no longer than a cheap one, and the
 * bench's raw floor (bench/_raw.ts) can spin exactly as long.
 *
 * @module
 */

/** Microseconds a blocking wait polls before it sleeps. */
export const SPIN_US = 20;

/** Polls between two looks at the clock (a clock read costs ~30 polls). */
const POLLS_PER_CHECK = 64;

/**
 * A spin's clock: `until(spinUs)` starts one, then `over(polls)` with the
 * number of polls so far says when it is spent (reading the clock only
 * every POLLS_PER_CHECK polls).
 */
export class SpinClock {
  #end = 0;

  /** Start a spin of `spinUs` microseconds. */
  start(spinUs: number): void {
    this.#end = performance.now() + spinUs / 1000;
  }

  /** After `polls` polls: is the spin spent? */
  over(polls: number): boolean {
    return polls % POLLS_PER_CHECK === 0 && performance.now() >= this.#end;
  }
}
