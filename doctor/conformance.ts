/**
 * A short conformance run: the kernel's ntsync selftests, ported
 * (`conformance/selftests.ts`), on one backend, in a Worker with a time
 * limit per check.
 *
 * The selftests are timed like the C originals (a waiter must still be
 * blocked after 100 ms, a woken one must return within 1 s), so on a
 * starved machine a correct backend can miss a deadline: a failed check is
 * run once more, and one that passes then is reported as passing with its
 * first failure (`attempts: 2`, `firstError`). A check that runs past its
 * time limit is cut off (its Worker terminated) and the rest go on in a
 * fresh Worker.
 *
 * @module
 */

import type { BackendKind } from "../core/backend.ts";
import { SELFTESTS } from "../conformance/selftests.ts";
import type { ConformanceJob } from "./conformance_worker.ts";
import type { ConformanceEvent } from "./conformance_run.ts";

/** One check's outcome. */
export interface CheckResult {
  /** The selftest's name, e.g. `"wake_any"`. */
  readonly name: string;
  /** Passed, failed, cut off at its time limit, skipped on request, or never started. */
  readonly status: "pass" | "fail" | "timeout" | "skip" | "not-run";
  /** How long its last run took, in milliseconds. */
  readonly ms: number;
  /** How many runs it took (2 when a failure was retried). */
  readonly attempts: number;
  /** The failure's message. */
  readonly error?: string;
  /** For a check that passed on its second run: the first run's failure. */
  readonly firstError?: string;
}

/** One backend's conformance run. */
export interface ConformanceReport {
  /** The backend the checks ran on. */
  readonly backend: BackendKind;
  /** Checks that passed. */
  readonly passed: number;
  /** Checks that failed, timed out or could not run (skipped ones are neither). */
  readonly failed: number;
  /** Every check, in order. */
  readonly checks: readonly CheckResult[];
  /** Why the run stopped early (the Worker could not start or failed). */
  readonly error?: string;
}

/** Options for {@linkcode runConformance}. */
export interface ConformanceOptions {
  /** Only these checks (default: every selftest). */
  readonly only?: readonly string[];
  /** Checks to report as skipped without running them. */
  readonly skip?: readonly string[];
  /** Per-check time limit in milliseconds (default 60 000). */
  readonly limitMs?: number;
  /** Time limit for a Worker to start and open the backend (default 30 000). */
  readonly startLimitMs?: number;
  /** Runs again of a failed check (default 1). */
  readonly retries?: number;
  /** Called as each check starts (for the progress line). */
  readonly onStart?: (name: string, index: number, total: number) => void;
}

/** The checks the doctor leaves out unless asked for everything (`--full`). */
export const LONG_CHECKS: readonly string[] = ["stress_wait"];

/** The names of every available check, in the kernel file's order. */
export function checkNames(): string[] {
  return SELFTESTS.map((t) => t.name);
}

type BatchEnd =
  | { readonly kind: "done" }
  | { readonly kind: "timeout"; readonly name: string }
  | { readonly kind: "fatal"; readonly error: string };

/** Run `names` in one Worker until they are done, one hangs, or it fails. */
function runBatch(
  kind: BackendKind,
  names: readonly string[],
  o:
    & Required<Pick<ConformanceOptions, "limitMs" | "startLimitMs" | "retries">>
    & ConformanceOptions,
  all: readonly string[],
  results: Map<string, CheckResult>,
): Promise<BatchEnd> {
  const worker = new Worker(
    new URL("./conformance_worker.ts", import.meta.url).href,
    { type: "module" },
  );
  return new Promise<BatchEnd>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const end = (e: BatchEnd) => {
      clearTimeout(timer);
      worker.terminate();
      resolve(e);
    };
    const arm = (ms: number, onExpiry: () => BatchEnd) => {
      clearTimeout(timer);
      timer = setTimeout(() => end(onExpiry()), ms);
    };
    worker.onmessage = (e: MessageEvent<ConformanceEvent>) => {
      const ev = e.data;
      if (ev.type === "start") {
        o.onStart?.(ev.name, all.indexOf(ev.name), all.length);
        arm(o.limitMs, () => {
          results.set(ev.name, {
            name: ev.name,
            status: "timeout",
            ms: o.limitMs,
            attempts: ev.attempt,
            error: `did not finish within ${o.limitMs} ms`,
          });
          return { kind: "timeout", name: ev.name };
        });
      } else if (ev.type === "result") {
        results.set(ev.name, {
          name: ev.name,
          status: ev.ok ? "pass" : "fail",
          ms: ev.ms,
          attempts: ev.attempts,
          ...(ev.error === undefined ? {} : { error: ev.error }),
          ...(ev.firstError === undefined ? {} : { firstError: ev.firstError }),
        });
        clearTimeout(timer);
      } else if (ev.type === "end") end({ kind: "done" });
      else {end({
          kind: "fatal",
          error: `the conformance Worker failed: ${ev.error}`,
        });}
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      end({
        kind: "fatal",
        error: `the conformance Worker failed: ${e.message}`,
      });
    };
    arm(o.startLimitMs, () => ({
      kind: "fatal",
      error: `the conformance Worker did not start within ${o.startLimitMs} ms`,
    }));
    worker.postMessage(
      { kind, names, retries: o.retries } satisfies ConformanceJob,
    );
  });
}

/** Run the checks on `kind`, each Worker batch isolated from a hung check. */
export async function runConformance(
  kind: BackendKind,
  options: ConformanceOptions = {},
): Promise<ConformanceReport> {
  // an option given as undefined still takes its default
  const o = {
    ...options,
    limitMs: options.limitMs ?? 60_000,
    startLimitMs: options.startLimitMs ?? 30_000,
    retries: options.retries ?? 1,
  };
  const all = [...(options.only ?? checkNames())];
  const skip = new Set(options.skip ?? []);
  const results = new Map<string, CheckResult>();
  let pending = all.filter((n) => !skip.has(n));
  let error: string | undefined;
  while (pending.length > 0) {
    const ended = await runBatch(kind, pending, o, all, results);
    if (ended.kind === "done") break;
    if (ended.kind === "fatal") {
      error = ended.error;
      break;
    }
    pending = pending.slice(pending.indexOf(ended.name) + 1);
  }
  const checks: CheckResult[] = all.map((name) =>
    results.get(name) ??
      { name, status: skip.has(name) ? "skip" : "not-run", ms: 0, attempts: 0 }
  );
  const passed = checks.filter((c) => c.status === "pass").length;
  const skipped = checks.filter((c) => c.status === "skip").length;
  return {
    backend: kind,
    passed,
    failed: checks.length - passed - skipped,
    checks,
    ...(error === undefined ? {} : { error }),
  };
}
