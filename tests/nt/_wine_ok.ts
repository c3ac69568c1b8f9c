/**
 * Wine's `ok()` for the ported tests: a failed check is recorded and the test
 * goes on (as a Wine test does), and {@link WineChecks.done} fails the Deno
 * test with every failed check, each named by its line in Wine's
 * dlls/kernel32/tests/sync.c so the port reads beside the C file.
 *
 * @module
 */

import assert from "node:assert/strict";
import { readCheck, type ThreadCheck } from "./_check_log.ts";

/** The checks of one ported Wine test function. */
export class WineChecks {
  readonly #failed = new Map<string, { runs: number; first: string }>();

  /** `ok(cond, ...)` at line `line` of the C file. */
  ok(cond: unknown, line: number, what: string): void {
    if (!cond) this.#fail(line, what, `got ${String(cond)}`);
  }

  /**
   * A check the layer is known to fail, as Wine's `todo_wine ok(...)`: it
   * must still fail (`cond` false); if it passes, the todo is stale and the
   * test fails, so the mark is removed once the layer is fixed. `why` says
   * what the layer lacks.
   */
  todo(cond: unknown, line: number, what: string, why: string): void {
    if (cond) {
      this.#fail(line, what, `succeeded inside a todo (${why}): remove it`);
    }
  }

  /** `ok(actual == expected, ...)` at line `line` of the C file. */
  eq(actual: unknown, expected: unknown, line: number, what: string): void {
    if (!Object.is(actual, expected)) {
      this.#fail(line, what, `got ${show(actual)}, expected ${show(expected)}`);
    }
  }

  /**
   * The `ok()` a thread or an APC made, recorded in the shared log `sab`:
   * it must have run `runs` times, each seeing Wine's expected value.
   */
  threadCheck(
    sab: SharedArrayBuffer,
    checks: readonly ThreadCheck[],
    index: number,
    runs: number,
  ): void {
    const check = checks[index];
    const seen = readCheck(sab, index);
    if (seen.bad) {
      this.#fail(
        check.line,
        check.what,
        `${seen.bad} of ${seen.runs} run(s) got ${
          show(seen.lastBad)
        }, expected ${show(check.expected)}`,
      );
    } else if (seen.runs !== runs) {
      this.#fail(check.line, check.what, `ran ${seen.runs} times, not ${runs}`);
    }
  }

  #fail(line: number, what: string, detail: string): void {
    const key = `sync.c:${line} ${what}`;
    const seen = this.#failed.get(key);
    if (seen) seen.runs++;
    else this.#failed.set(key, { runs: 1, first: detail });
  }

  /** The C line numbers whose checks failed so far. */
  failedLines(): number[] {
    return [...this.#failed.keys()].map((k) => Number(/:(\d+)/.exec(k)![1]));
  }

  /** Fails the test if any check failed, listing them all. */
  done(): void {
    if (this.#failed.size === 0) return;
    const lines = [...this.#failed].map(([key, { runs, first }]) =>
      `${key}: ${first}${runs > 1 ? ` (failed ${runs} times)` : ""}`
    );
    assert.fail(`${this.#failed.size} check(s) failed:\n${lines.join("\n")}`);
  }
}

function show(v: unknown): string {
  return typeof v === "number" && Number.isInteger(v) && v > 9
    ? `0x${v.toString(16)} (${v})`
    : String(v);
}
