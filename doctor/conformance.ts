/**
 * A short conformance run: the kernel's ntsync selftests, ported
 * (`conformance/selftests.ts`), on one backend, in a Worker with a time
 * limit per check.
 *
 * @module
 */

import type { BackendKind } from "../core/backend.ts";
import { SELFTESTS } from "../conformance/selftests.ts";
import type { ConformanceEvent, ConformanceJob } from "./conformance_worker.ts";

/** One check's outcome. */
export interface CheckResult {
  /** The selftest's name, e.g. `"wake_any"`. */
  readonly name: string;
  /** passed, failed, cut off at its time limit, or never started. */
  readonly status: "pass" | "fail" | "timeout" | "not-run";
  /** How long it ran, in milliseconds. */
  readonly ms: number;
  /** The failure's message. */
  readonly error?: string;
}

/** One backend's conformance run. */
export interface ConformanceReport {
  /** The backend the checks ran on. */
  readonly backend: BackendKind;
  /** Checks that passed. */
  readonly passed: number;
  /** Checks that failed, timed out or could not run. */
  readonly failed: number;
  /** Every check, in order. */
  readonly checks: readonly CheckResult[];
  /** Why the run stopped early (a check cut off, the Worker failed). */
  readonly error?: string;
}

/** Options for {@linkcode runConformance}. */
export interface ConformanceOptions {
  /** Only these checks (default: every selftest). */
  readonly only?: readonly string[];
  /** Per-check time limit in milliseconds (default 60 000). */
  readonly limitMs?: number;
  /** Called as each check starts (for the progress line). */
  readonly onStart?: (name: string, index: number, total: number) => void;
}

/** The names of every available check, in the kernel file's order. */
export function checkNames(): string[] {
  return SELFTESTS.map((t) => t.name);
}

/** Run the checks on `kind` in a fresh Worker. */
export function runConformance(
  kind: BackendKind,
  options: ConformanceOptions = {},
): Promise<ConformanceReport> {
  const names = [...(options.only ?? checkNames())];
  const limitMs = options.limitMs ?? 60_000;
  const results = new Map<string, CheckResult>();
  const worker = new Worker(
    new URL("./conformance_worker.ts", import.meta.url).href,
    { type: "module" },
  );
  return new Promise<ConformanceReport>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let current: string | undefined;
    let started = 0;
    const arm = (ms: number, what: string) => {
      clearTimeout(timer);
      timer = setTimeout(
        () => finish(`${what} did not finish within ${ms} ms`),
        ms,
      );
    };
    const finish = (cutOff?: string) => {
      clearTimeout(timer);
      worker.terminate();
      if (
        cutOff !== undefined && current !== undefined && !results.has(current)
      ) {
        results.set(current, {
          name: current,
          status: "timeout",
          ms: limitMs,
          error: cutOff,
        });
      }
      const checks = names.map((name) =>
        results.get(name) ?? { name, status: "not-run" as const, ms: 0 }
      );
      const passed = checks.filter((c) => c.status === "pass").length;
      resolve({
        backend: kind,
        passed,
        failed: checks.length - passed,
        checks,
        ...(cutOff === undefined ? {} : { error: cutOff }),
      });
    };
    worker.onmessage = (e: MessageEvent<ConformanceEvent>) => {
      const ev = e.data;
      if (ev.type === "start") {
        current = ev.name;
        options.onStart?.(ev.name, started++, names.length);
        arm(limitMs, ev.name);
      } else if (ev.type === "result") {
        results.set(ev.name, {
          name: ev.name,
          status: ev.ok ? "pass" : "fail",
          ms: ev.ms,
          ...(ev.error === undefined ? {} : { error: ev.error }),
        });
        current = undefined;
        arm(limitMs, "the next check");
      } else if (ev.type === "end") finish();
      else finish(`the conformance Worker failed: ${ev.error}`);
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      finish(`the conformance Worker failed: ${e.message}`);
    };
    // the Worker's own start-up (and opening the backend) gets the same limit
    arm(limitMs, "starting the conformance Worker");
    worker.postMessage({ kind, names } satisfies ConformanceJob);
  });
}
