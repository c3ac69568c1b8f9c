/**
 * Running the conformance checks one after another with a retry, reporting
 * each step: the loop the conformance Worker runs, kept apart from the
 * Worker so it can be tested with checks of any kind.
 *
 * @module
 */

import type { Backend } from "../core/backend.ts";

/** A check as `conformance/` defines them: a name and a run on a backend. */
export interface RunnableCheck {
  /** Its name. */
  readonly name: string;
  /** Rejects on the first failed assertion. */
  run(backend: Backend): Promise<void>;
}

/** What the loop reports, check by check. */
export type ConformanceEvent =
  | { readonly type: "start"; readonly name: string; readonly attempt: number }
  | {
    readonly type: "result";
    readonly name: string;
    readonly ok: boolean;
    readonly ms: number;
    /** Runs it took (1 unless an earlier run failed). */
    readonly attempts: number;
    /** The last failure's message. */
    readonly error?: string;
    /** The first failure's message, when a later run passed. */
    readonly firstError?: string;
  }
  | { readonly type: "end" }
  | { readonly type: "fatal"; readonly error: string };

function text(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Run `names` (looked up in `checks`) on `backend` in order; a failed check
 * runs again up to `retries` times. Every step is reported through `post`,
 * ending with `{type: "end"}`.
 */
export async function runChecks(
  checks: readonly RunnableCheck[],
  names: readonly string[],
  backend: Backend,
  retries: number,
  post: (e: ConformanceEvent) => void,
): Promise<void> {
  for (const name of names) {
    const check = checks.find((t) => t.name === name);
    if (!check) {
      post({
        type: "result",
        name,
        ok: false,
        ms: 0,
        attempts: 0,
        error: "no such check",
      });
      continue;
    }
    let firstError: string | undefined;
    for (let attempt = 1;; attempt++) {
      post({ type: "start", name, attempt });
      const start = performance.now();
      try {
        await check.run(backend);
        const ms = Math.round(performance.now() - start);
        post({
          type: "result",
          name,
          ok: true,
          ms,
          attempts: attempt,
          ...(firstError ? { firstError } : {}),
        });
        break;
      } catch (err) {
        const ms = Math.round(performance.now() - start);
        firstError ??= text(err);
        if (attempt > retries) {
          post({
            type: "result",
            name,
            ok: false,
            ms,
            attempts: attempt,
            error: text(err),
          });
          break;
        }
      }
    }
  }
  post({ type: "end" });
}
