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

/**
 * A wait that spun for its budget, found nothing and queued spins once more
 * while queued (a hand-off through the queue often comes a critical section
 * later), unless that second spin missed this many times in a row: then it
 * sleeps at once, as an idle wait should.
 */
export const SECOND_SPIN_MISSES = 8;
/** Meanwhile one such wait in this many spins anyway, to see if that changed. */
export const SECOND_SPIN_PROBE = 4;

/**
 * Was a wait served `ms` after its spin ended soon enough that a spin of
 * the longest budget would have caught it?
 */
function withinLongestSpin(ms: number): boolean {
  return ms * 1000 <= MAX_SPIN_US;
}

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
 *
 * A wait that spun and then queued asks `spinsAgain()` whether to spin
 * once more, and reports with `secondSpin(...)` how the queued wait ended.
 */
export class Spinner {
  #budgetUs = SPIN_US;
  #startMs = 0;
  #endMs = 0;
  /** Second spins in a row that caught nothing and were followed by a long sleep. */
  #secondMisses = 0;
  /** Second spins skipped since the last probe. */
  #secondSkips = 0;
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
    this.#budgetUs = withinLongestSpin(ms)
      ? Math.min(MAX_SPIN_US, this.#budgetUs * 2)
      : SPIN_US;
  }

  /**
   * A wait that spun for the budget before it queued: spin again, queued?
   * Yes unless its last SECOND_SPIN_MISSES second spins all missed; then
   * only one call in SECOND_SPIN_PROBE says yes.
   */
  spinsAgain(): boolean {
    if (this.#secondMisses < SECOND_SPIN_MISSES) return true;
    if (++this.#secondSkips < SECOND_SPIN_PROBE) return false;
    this.#secondSkips = 0;
    return true;
  }

  /**
   * How the queued wait of a wait that had spun ended: `spun` whether it
   * spun again (`spinsAgain()`), `caught` whether that spin got it, else
   * `sleptMs` it slept before it was served (Infinity: never). A sleep
   * within MAX_SPIN_US means a spin would have caught it.
   */
  secondSpin(spun: boolean, caught: boolean, sleptMs: number): void {
    if (caught || withinLongestSpin(sleptMs)) {
      this.#secondMisses = 0;
    } else if (spun && this.#secondMisses < SECOND_SPIN_MISSES) {
      this.#secondMisses++;
    }
  }
}
