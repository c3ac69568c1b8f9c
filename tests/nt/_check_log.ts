/**
 * A record of the `ok()` checks a Wine test runs outside the test's own
 * thread (in a thread started with `CreateThread`, or in an APC), kept in a
 * SharedArrayBuffer so the test reads it after joining the thread, even one
 * that was terminated after its checks.
 *
 * Word 0 counts the threads that started running their procedure. Each
 * check then has a slot of three int32 words: how many times it ran, how many
 * of those runs saw something other than Wine's expected value, and the last
 * such value (as int32; a DWORD like `WAIT_FAILED` reads back as -1).
 *
 * @module
 */

const STARTED = 0;
const HEADER_WORDS = 1;
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
  return new SharedArrayBuffer((HEADER_WORDS + checks * WORDS_PER_CHECK) * 4);
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

  /** Says that a thread started running its procedure. */
  started(): void {
    Atomics.add(this.#words, STARTED, 1);
    Atomics.notify(this.#words, STARTED);
  }

  /** Records one run of check `index`, which saw `actual`. */
  record(index: number, actual: number): void {
    const base = HEADER_WORDS + index * WORDS_PER_CHECK;
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
  const base = HEADER_WORDS + index * WORDS_PER_CHECK;
  const bad = Atomics.load(words, base + BAD);
  return {
    runs: Atomics.load(words, base + RUNS),
    bad,
    lastBad: bad ? Atomics.load(words, base + LAST_BAD) >>> 0 : undefined,
  };
}

/**
 * Resolves once `threads` threads logging to `sab` have started running
 * their procedure (false after `ms` without). The test's thread stays free
 * meanwhile: starting a Worker may need its event loop.
 *
 * A thread made by Windows' `CreateThread` runs within microseconds, and
 * Wine's tests count on it (a 100 ms wait for a thread to block); a Worker
 * takes 100-200 ms to start on a loaded machine. Waiting for the start,
 * then running Wine's timings from there, keeps every check as in C.
 */
export async function threadsStarted(
  sab: SharedArrayBuffer,
  threads: number,
  ms = 30_000,
): Promise<boolean> {
  const words = new Int32Array(sab);
  const deadline = performance.now() + ms;
  for (;;) {
    const seen = Atomics.load(words, STARTED);
    if (seen >= threads) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    const { async, value } = Atomics.waitAsync(words, STARTED, seen, left);
    if (async) await value;
  }
}
