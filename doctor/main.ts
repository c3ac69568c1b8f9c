/**
 * `ntsync doctor`: does ntsync work on this machine, and if not, why not
 * and how to fix it.
 *
 * As a command (`deno task doctor [--json] [--quick]`, see `--help`) it
 * prints a table for people or one JSON object for machines, and exits with
 * 0 (ntsync works), 2 (no usable ntsync: the emulated backend is used) or 3
 * (ntsync broken: a probe or check failed); 1 if the doctor itself failed,
 * 64 for bad arguments.
 *
 * As a module it exports {@linkcode runDoctor}, which returns the same
 * report object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runDoctor } from "./main.ts";
 * const report = await runDoctor({ conformance: false, bench: false });
 * const exitCodes = { ok: 0, "no-ntsync": 2, broken: 3 };
 * assert.equal(report.summary.exitCode, exitCodes[report.summary.verdict]);
 * assert.ok(report.summary.headline.length > 0);
 * ```
 *
 * @module
 */

import { checkAccess } from "./access.ts";
import { type BackendSource, probeBackends, REGISTRY } from "./backends.ts";
import { benchBackend, type BenchBudget, type BenchReport } from "./bench.ts";
import { HELP, parseArgs, ProgressLine, UsageError } from "./cli.ts";
import {
  type ConformanceReport,
  LONG_CHECKS,
  runConformance,
} from "./conformance.ts";
import { probeDevice } from "./device.ts";
import { probeDriver } from "./driver.ts";
import { probeKernel } from "./kernel.ts";
import { probeProcesses } from "./processes.ts";
import { renderReport, useColor } from "./render.ts";
import {
  type DoctorReport,
  EXIT_FAILURE,
  EXIT_USAGE,
  summarize,
  type VerdictInput,
} from "./report.ts";
import { type DoctorSystem, realSystem } from "./system.ts";
import { probeUapi } from "./uapi_probe.ts";
import { nameOf, readIdentity } from "./users.ts";

export type { DoctorReport, Summary, UserReport, Verdict } from "./report.ts";
export type { Finding, Status } from "./finding.ts";
export type { ConfigValue, KernelReport, KernelVersion } from "./kernel.ts";
export type { DriverKind, DriverReport } from "./driver.ts";
export type { DeviceReport } from "./device.ts";
export type {
  NtsyncHolder,
  ProcessReport,
  WineProcess,
  WineRole,
} from "./processes.ts";
export type {
  BackendSource,
  BackendsReport,
  BackendStatus,
} from "./backends.ts";
export type { OwnerZero, UapiGeneration, UapiReport } from "./uapi_probe.ts";
export type { CheckResult, ConformanceReport } from "./conformance.ts";
export type { SwitchName, SwitchSetting } from "./switches.ts";
export type {
  BenchBudget,
  BenchReport,
  HandoffResult,
  UncontendedResult,
} from "./bench.ts";
export type { DoctorFs, OpenOutcome, PathStat } from "./system.ts";
export type {
  Backend,
  BackendKind,
  ClockName,
  IoctlAsyncOptions,
  ShareToken,
} from "../core/backend.ts";
export type { AutoChoice } from "../select/registry.ts";
export {
  EXIT_BROKEN,
  EXIT_FAILURE,
  EXIT_NO_NTSYNC,
  EXIT_OK,
  EXIT_USAGE,
} from "./report.ts";
export type { DoctorSystem } from "./system.ts";

/** Options for {@linkcode runDoctor}. */
export interface DoctorOptions {
  /** The machine to examine (default: this one). */
  readonly system?: DoctorSystem;
  /** Where backends come from (default: the registry of `mod.ts`). */
  readonly backends?: BackendSource;
  /** Run the ported kernel selftests on each usable backend (default true). */
  readonly conformance?: boolean;
  /** Also run the long checks (`stress_wait`), skipped by default. */
  readonly full?: boolean;
  /** Per-check time limit for the conformance run, ms (default 60 000). */
  readonly conformanceLimitMs?: number;
  /** Run the short benchmark on each usable backend (default true). */
  readonly bench?: boolean;
  /** Time budget of each benchmark part. */
  readonly benchBudget?: BenchBudget;
  /** Told what the doctor is doing during the longer steps. */
  readonly onProgress?: (text: string) => void;
}

/**
 * Examine the machine and the backends; resolves to the full report (the
 * object `--json` prints), its verdict in `summary`.
 */
export async function runDoctor(
  options: DoctorOptions = {},
): Promise<DoctorReport> {
  const system = options.system ?? realSystem();
  const progress = options.onProgress ?? (() => {});
  progress("probing the system…");
  const denied = checkAccess(system);
  const kernel = await probeKernel(system);
  const driver = probeDriver(system, kernel);
  const who = readIdentity(system);
  const device = probeDevice(system, driver, who);
  // before any backend opens the device, so the doctor never counts itself
  progress("scanning /proc for ntsync users…");
  const processes = probeProcesses(system);
  const { report: backends, usable } = probeBackends(
    options.backends ?? REGISTRY,
  );
  const uapi = usable.map((b) => probeUapi(b));

  const conformance: ConformanceReport[] = [];
  if (options.conformance ?? true) {
    for (const b of usable) {
      conformance.push(
        await runConformance(b.kind, {
          limitMs: options.conformanceLimitMs,
          skip: options.full ? [] : LONG_CHECKS,
          onStart: (name, i, n) =>
            progress(`conformance on ${b.kind}: ${i + 1}/${n} ${name}`),
        }),
      );
    }
  }
  const bench: BenchReport[] = [];
  if (options.bench ?? true) {
    for (const b of usable) {
      progress(`benchmark on ${b.kind}…`);
      bench.push(await benchBackend(b, options.benchBudget));
    }
  }
  const body: VerdictInput = {
    access: denied ? [denied] : [],
    kernel,
    driver,
    device,
    user: {
      uid: who.uid,
      user: who.user ?? null,
      gid: who.gid,
      groups: who.gids.map((g) => nameOf(who.groupNames, g)),
    },
    processes,
    backends,
    uapi,
    conformance,
    bench,
  };
  return {
    schema: 1,
    time: new Date().toISOString(),
    deno: Deno.version.deno,
    summary: summarize(body),
    ...body,
  };
}

function write(
  stream: { writeSync(p: Uint8Array): number },
  text: string,
): void {
  const bytes = new TextEncoder().encode(text);
  let off = 0;
  while (off < bytes.length) off += stream.writeSync(bytes.subarray(off));
}

/** Run the command line with `args`; resolves to the exit status. */
export async function main(args: readonly string[]): Promise<number> {
  let cli;
  try {
    cli = parseArgs(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    write(Deno.stderr, `ntsync doctor: ${err.message}\n`);
    return EXIT_USAGE;
  }
  if (cli.help) {
    write(Deno.stdout, HELP);
    return 0;
  }
  const line = new ProgressLine(
    cli.progress && Deno.stderr.isTerminal() ? Deno.stderr : undefined,
  );
  try {
    const report = await runDoctor({
      conformance: cli.conformance,
      bench: cli.bench,
      full: cli.full,
      onProgress: (t) => line.show(t),
    });
    line.clear();
    if (cli.json) write(Deno.stdout, JSON.stringify(report, null, 2) + "\n");
    else {write(
        Deno.stdout,
        renderReport(
          report,
          useColor(cli.color, Deno.stdout.isTerminal(), Deno.noColor),
        ),
      );}
    return report.summary.exitCode;
  } catch (err) {
    line.clear();
    write(
      Deno.stderr,
      `ntsync doctor failed: ${
        err instanceof Error ? err.stack ?? err.message : err
      }\n`,
    );
    return EXIT_FAILURE;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
