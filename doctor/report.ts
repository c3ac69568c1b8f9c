/**
 * The doctor's report (what `--json` prints) and its verdict: the exit
 * status and the headline.
 *
 * Exit status:
 * - {@linkcode EXIT_OK} (0): ntsync works here: the native backend opens
 *   `/dev/ntsync` and every probe and check on every backend passes
 *   (warnings allowed, e.g. a kernel without the owner-0 fix);
 * - {@linkcode EXIT_FAILURE} (1): the doctor itself failed unexpectedly;
 * - {@linkcode EXIT_NO_NTSYNC} (2): no usable ntsync: the kernel, the driver
 *   or the device is missing or not usable by this user (or Deno lacks
 *   `--allow-ffi`), so programs use the emulated backend, which passed;
 * - {@linkcode EXIT_BROKEN} (3): ntsync is broken: a uapi probe or a
 *   conformance check failed (on the device or on the emulated backend), or
 *   the device node exists but does not work;
 * - {@linkcode EXIT_USAGE} (64): bad command-line arguments.
 *
 * @module
 */

import type { BackendsReport } from "./backends.ts";
import type { BenchReport } from "./bench.ts";
import type { ConformanceReport } from "./conformance.ts";
import type { DeviceReport } from "./device.ts";
import type { DriverReport } from "./driver.ts";
import type { Finding } from "./finding.ts";
import type { KernelReport } from "./kernel.ts";
import type { ProcessReport } from "./processes.ts";
import type { UapiReport } from "./uapi_probe.ts";

/** Exit status: ntsync works. */
export const EXIT_OK = 0;
/** Exit status: the doctor itself failed. */
export const EXIT_FAILURE = 1;
/** Exit status: no usable ntsync here; the emulated backend is used (and works). */
export const EXIT_NO_NTSYNC = 2;
/** Exit status: ntsync (or the emulated backend) is broken: a probe or check failed. */
export const EXIT_BROKEN = 3;
/** Exit status: bad command-line arguments. */
export const EXIT_USAGE = 64;

/** The overall verdict. */
export type Verdict = "ok" | "no-ntsync" | "broken";

/** Who runs the doctor. */
export interface UserReport {
  /** Effective uid. */
  readonly uid: number | null;
  /** User name, if known. */
  readonly user: string | null;
  /** Effective gid. */
  readonly gid: number | null;
  /** The process's groups as `name (gid)`. */
  readonly groups: readonly string[];
}

/** The verdict in short, with what to do. */
export interface Summary {
  /** ok, no-ntsync or broken. */
  readonly verdict: Verdict;
  /** The exit status that goes with it. */
  readonly exitCode: number;
  /** One sentence for people. */
  readonly headline: string;
  /** The fixes of every failed finding, in order, without repeats. */
  readonly fixes: readonly string[];
}

/** Everything the doctor found: the object `--json` prints. */
export interface DoctorReport {
  /** Report format version (bumped on incompatible changes). */
  readonly schema: 1;
  /** When it ran (ISO 8601). */
  readonly time: string;
  /** The Deno that ran it. */
  readonly deno: string;
  /** The verdict. */
  readonly summary: Summary;
  /** What kept the doctor from looking (Deno's permissions), if anything. */
  readonly access: readonly Finding[];
  /** The kernel. */
  readonly kernel: KernelReport;
  /** The driver. */
  readonly driver: DriverReport;
  /** `/dev/ntsync`. */
  readonly device: DeviceReport;
  /** Who ran it. */
  readonly user: UserReport;
  /** Processes using ntsync now. */
  readonly processes: ProcessReport;
  /** The backends and `auto`'s choice. */
  readonly backends: BackendsReport;
  /** The uapi probe on each usable backend. */
  readonly uapi: readonly UapiReport[];
  /** The conformance run on each usable backend (empty when skipped). */
  readonly conformance: readonly ConformanceReport[];
  /** The benchmark of each usable backend (empty when skipped). */
  readonly bench: readonly BenchReport[];
}

/** The parts of a report the verdict is computed from. */
export type VerdictInput = Omit<
  DoctorReport,
  "schema" | "time" | "deno" | "summary"
>;

const PERMISSION_CODES = new Set(["EACCES", "EPERM", "NOTCAPABLE"]);

/** Every finding of the report, section by section. */
export function allFindings(r: VerdictInput): Finding[] {
  return [
    ...r.access,
    ...r.kernel.findings,
    ...r.driver.findings,
    ...r.device.findings,
    ...r.processes.findings,
    ...r.backends.findings,
    ...r.uapi.flatMap((u) => u.findings),
  ];
}

/** Compute the verdict, exit status, headline and fixes. */
export function summarize(r: VerdictInput): Summary {
  const fails = allFindings(r).filter((f) => f.status === "fail");
  // what keeps the doctor from looking comes first, then every failure's fix
  const fixes = [
    ...new Set([...r.access, ...fails].flatMap((f) => f.fix ?? [])),
  ];
  const native = r.backends.backends.find((b) => b.kind === "native");
  const emulated = r.backends.backends.find((b) => b.kind === "emulated");

  const broken: string[] = [];
  for (const u of r.uapi) {
    for (const f of u.findings) {
      if (f.status === "fail") broken.push(`${f.label}: ${f.summary}`);
    }
  }
  for (const c of r.conformance) {
    for (const check of c.checks) {
      if (check.status !== "pass" && check.status !== "skip") {
        broken.push(`${c.backend} ${check.name}: ${check.status}`);
      }
    }
  }
  if (emulated && !emulated.available) {
    broken.push(`the emulated backend: ${emulated.message}`);
  }
  if (
    r.device.charDevice && r.device.openError &&
    !PERMISSION_CODES.has(r.device.openError)
  ) {
    broken.push(
      `/dev/ntsync exists but opening it fails with ${r.device.openError}`,
    );
  }
  if (
    native && !native.available && r.device.openable &&
    native.reason === "other"
  ) {
    broken.push(`the native backend: ${native.message}`);
  }
  if (broken.length > 0) {
    return {
      verdict: "broken",
      exitCode: EXIT_BROKEN,
      headline: `ntsync is broken here: ${broken[0]}` +
        (broken.length > 1 ? ` (and ${broken.length - 1} more)` : ""),
      fixes,
    };
  }
  if (!native?.available) {
    const why = fails.find((f) => !f.id.startsWith("backend.")) ?? fails[0];
    return {
      verdict: "no-ntsync",
      exitCode: EXIT_NO_NTSYNC,
      headline: "No usable /dev/ntsync" +
        (why ? ` (${why.label}: ${why.summary})` : "") +
        "; programs use the emulated backend, which works.",
      fixes,
    };
  }
  const all = r.conformance.flatMap((c) => c.checks);
  const checks = all.filter((c) => c.status === "pass").length;
  const second =
    all.filter((c) => c.status === "pass" && c.attempts > 1).length;
  const skipped = all.filter((c) => c.status === "skip").length;
  return {
    verdict: "ok",
    exitCode: EXIT_OK,
    headline:
      `ntsync works: the native backend on /dev/ntsync (Linux ${r.kernel.release})` +
      (checks > 0 ? `, ${checks} conformance checks passed` : "") +
      (second > 0 ? ` (${second} only on a second run)` : "") +
      (skipped > 0 ? `, ${skipped} skipped` : ""),
    fixes,
  };
}
