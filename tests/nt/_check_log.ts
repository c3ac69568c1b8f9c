/**
 * A record of the `ok()` checks a Wine test runs outside the test's own
 * thread (in a thread started with `CreateThread`, or in an APC), kept in a
 * SharedArrayBuffer so the test reads it after joining the thread, even one
 * that was terminated after its checks.
 *
 * Each check has a slot of three int32 words: how many times it ran, how many
 * of those runs saw something other than Wine's expected value, and the last
 * such value (as int32; a DWORD like `WAIT_FAILED` reads back as -1).
 *
 * @module
 */

const WORDS_PER_CHECK = 3;
const RUNS = 0;
const BAD = 1;
const LAST_BAD = 2;

/** One check a thread makes: what it checks and Wine's expected value. */
export interface ThreadCheck {
  /** Its line in Wine's dlls/kernel32/tests/sync.c. */
  readonly line: number;
  /** The C source of the `ok()` it transcribes. */
  readonly what: string;
  /** The value Wine's test expects (on Windows). */
  readonly expected: number;
}

/** A new, shared log with room for `checks` checks. */
export function newCheckLog(checks: number): SharedArrayBuffer {
  return new SharedArrayBuffer(checks * WORDS_PER_CHECK * 4);
}

/** The thread side: records what each check saw. */
export class CheckLog {
  readonly #words: Int32Array;
  readonly #checks: readonly ThreadCheck[];

  /** A view of `sab` for the checks in `checks` (indexed as in that list). */
  constructor(sab: SharedArrayBuffer, checks: readonly ThreadCheck[]) {
    this.#words = new Int32Array(sab);
    this.#checks = checks;
  }

  /** Records one run of check `index`, which saw `actual`. */
  record(index: number, actual: number): void {
    const base = index * WORDS_PER_CHECK;
    Atomics.add(this.#words, base + RUNS, 1);
    if (actual !== this.#checks[index].expected) {
      Atomics.add(this.#words, base + BAD, 1);
      Atomics.store(this.#words, base + LAST_BAD, actual | 0);
    }
  }
}

/** What check `index` saw: its runs, bad runs, and the last bad value. */
export interface CheckRecord {
  readonly runs: number;
  readonly bad: number;
  /** The last value other than the expected one (as a DWORD), if any. */
  readonly lastBad: number | undefined;
}

/** The test side: what check `index` in the log `sab` saw. */
export function readCheck(sab: SharedArrayBuffer, index: number): CheckRecord {
  const words = new Int32Array(sab);
  const base = index * WORDS_PER_CHECK;
  const bad = Atomics.load(words, base + BAD);
  return {
    runs: Atomics.load(words, base + RUNS),
    bad,
    lastBad: bad ? Atomics.load(words, base + LAST_BAD) >>> 0 : undefined,
  };
}
