/**
 * How long a blocking wait polls before it sleeps. A hand-off from a peer
 * that is running usually lands within the spin, and then costs neither
 * side a futex call; a peer that is not running costs the spin in CPU.
 *
 * The budget is time, not a number of polls, so that waits whose polls
 * cost more (several objects) spin no longer than a cheap one, and the
 * bench's raw floor (bench/_raw.ts) spins by the same rules. It adapts, as
 * glibc's adaptive mutexes do: two threads handing a signal back and forth
 * fall into sleeping on every hand-off once one of them is preempted (each
 * gives up spinning before the other's futex wake arrives), and only a
 * longer spin gets them out.
 *
 * @module
 */

/** Microseconds a blocking wait polls before it sleeps, to begin with. */
export const SPIN_US = 20;
/** The longest spin the budget grows to, in microseconds. */
export const MAX_SPIN_US = 80;

/** Polls between two looks at the clock (a clock read costs ~30 polls). */
const POLLS_PER_CHECK = 64;
/** #startMs before the spin's first clock read. */
const NOT_STARTED = -1;

/**
 * One thread's spin budget and clock. `start()` begins a spin, `over(polls)`
 * says when it is spent; then the wait reports how it ended:
 *
 * - `caught()`: the spin got it. Early in the spin, the budget halves
 *   (down to SPIN_US): the peer answers fast.
 * - `slept(ms)`: the wait slept `ms` before it was served. Served within
 *   MAX_SPIN_US, a longer spin would have saved the sleep: the budget
 *   doubles (up to MAX_SPIN_US). Later, or never (Infinity, a timeout): the
 *   peer is not running, and the budget drops back to SPIN_US.
 */
export class Spinner {
  #budgetUs = SPIN_US;
  #startMs = 0;
  #endMs = 0;
  readonly #now: () => number;

  /** @param now the clock in ms (tests pass their own) */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** The current budget in microseconds. */
  get budgetUs(): number {
    return this.#budgetUs;
  }

  /**
   * Start a spin of the current budget, or until `endMs` (on the same
   * clock) if that comes first: a wait's timeout ends its spin too.
   */
  start(endMs = Infinity): void {
    // The clock is first read at the first check, not here: a read costs
    // ~80 ns in Deno, and a hand-off from a running peer usually lands
    // before then. The budget counts from that read (64 polls late).
    this.#startMs = NOT_STARTED;
    this.#endMs = endMs;
  }

  /** After `polls` polls: is the spin spent? */
  over(polls: number): boolean {
    if (polls % POLLS_PER_CHECK !== 0) return false;
    const now = this.#now();
    if (this.#startMs === NOT_STARTED) {
      this.#startMs = now;
      this.#endMs = Math.min(now + this.#budgetUs / 1000, this.#endMs);
    }
    return now >= this.#endMs;
  }

  /** The spin got what it waited for. */
  caught(): void {
    if (this.#budgetUs === SPIN_US) return;
    // Caught before the first clock read: within 64 polls, early by any measure.
    const tookMs = this.#startMs === NOT_STARTED
      ? 0
      : this.#now() - this.#startMs;
    if (tookMs * 2000 < this.#budgetUs) {
      this.#budgetUs = Math.max(SPIN_US, this.#budgetUs / 2);
    }
  }

  /** The wait slept `ms` after its spin before it was served (Infinity: never). */
  slept(ms: number): void {
    this.#budgetUs = ms * 1000 <= MAX_SPIN_US
      ? Math.min(MAX_SPIN_US, this.#budgetUs * 2)
      : SPIN_US;
  }
}
