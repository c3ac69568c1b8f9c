/**
 * The report for people: sections of one line per finding, the conformance
 * and benchmark tables with the backends side by side, and the verdict with
 * its fixes. Colour only when asked for (see {@linkcode useColor}).
 *
 * @module
 */

import type { BenchReport, UncontendedResult } from "./bench.ts";
import type { CheckResult, ConformanceReport } from "./conformance.ts";
import type { Finding, Status } from "./finding.ts";
import type { DoctorReport } from "./report.ts";

/** ANSI colours, or none. */
export interface Paint {
  /** Green. */
  ok(s: string): string;
  /** Yellow. */
  warn(s: string): string;
  /** Red. */
  fail(s: string): string;
  /** Dim. */
  dim(s: string): string;
  /** Bold. */
  bold(s: string): string;
}

const sgr = (open: number, close: number) => (s: string) =>
  `\x1b[${open}m${s}\x1b[${close}m`;

/** Paint with ANSI escapes (`true`) or not at all (`false`). */
export function paint(color: boolean): Paint {
  if (!color) {
    const id = (s: string) => s;
    return { ok: id, warn: id, fail: id, dim: id, bold: id };
  }
  return {
    ok: sgr(32, 39),
    warn: sgr(33, 39),
    fail: sgr(31, 39),
    dim: sgr(2, 22),
    bold: sgr(1, 22),
  };
}

/**
 * Whether to colour: never when `NO_COLOR` is set (https://no-color.org) or
 * the output is not a terminal, unless forced with `--color`.
 */
export function useColor(
  force: boolean | undefined,
  isTerminal: boolean,
  noColor: boolean,
): boolean {
  if (force !== undefined) return force;
  return isTerminal && !noColor;
}

const TAG: Record<Status, string> = {
  ok: " ok ",
  warn: "warn",
  fail: "FAIL",
  info: "info",
  skip: "skip",
};

/**
 * `[ no ]`: what a failed probe is when the emulated backend works (the
 * "no-ntsync" verdict): a fact about this machine, not a fault.
 */
const ABSENT = "[ no ]";

function tag(p: Paint, s: Status, factual: boolean): string {
  if (factual && s === "fail") return p.warn(ABSENT);
  const t = `[${TAG[s]}]`;
  return s === "ok"
    ? p.ok(t)
    : s === "warn"
    ? p.warn(t)
    : s === "fail"
    ? p.fail(t)
    : p.dim(t);
}

// stays readable in an 80-column terminal while fitting the longest labels
const LABEL_WIDTH = 16;
// explanations are wrapped; fixes are not, so commands stay copy-pastable
const DETAIL_WIDTH = 72;

/** Break `text` into lines of at most `width` characters, at spaces. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function findingLines(p: Paint, f: Finding, factual: boolean): string[] {
  const lines = [
    `  ${tag(p, f.status, factual)} ${
      f.label.padEnd(LABEL_WIDTH)
    } ${f.summary}`,
  ];
  const indent = " ".repeat(10 + LABEL_WIDTH);
  for (const para of (f.detail ?? "").split("\n").filter(Boolean)) {
    for (const d of wrap(para, DETAIL_WIDTH)) lines.push(indent + p.dim(d));
  }
  if (f.status === "fail" || f.status === "warn" || f.status === "info") {
    for (const fix of f.fix ?? []) lines.push(`${indent}→ ${fix}`);
  }
  return lines;
}

/**
 * A titled list of findings. `factual`: the verdict is "no-ntsync", so a
 * failed probe only says what this machine lacks (see ABSENT).
 */
function section(
  p: Paint,
  title: string,
  findings: readonly Finding[],
  factual = false,
): string[] {
  return [
    "",
    p.bold(title),
    ...findings.flatMap((f) => findingLines(p, f, factual)),
  ];
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) =>
    Math.max(...rows.map((r) => r[i].length))
  );
  return rows.map((r) =>
    "  " + r.map((c, i) => c.padEnd(widths[i])).join("   ").trimEnd()
  );
}

function cell(c: CheckResult | undefined): string {
  if (!c) return "-";
  if (c.status === "pass") {
    return `pass ${millis(c.ms)}${c.attempts > 1 ? " (2nd run)" : ""}`;
  }
  return c.status === "skip" ? "skipped" : c.status;
}

function firstLine(text: string): string {
  return text.split("\n").find((l) => l.trim()) ?? text;
}

function conformanceTable(
  p: Paint,
  runs: readonly ConformanceReport[],
): string[] {
  if (runs.length === 0) return [];
  const names = runs[0].checks.map((c) => c.name);
  const rows = [["check", ...runs.map((r) => r.backend)]];
  for (const name of names) {
    rows.push([
      name,
      ...runs.map((r) => cell(r.checks.find((x) => x.name === name))),
    ]);
  }
  rows.push([
    "total",
    ...runs.map((r) => {
      const skipped = r.checks.filter((c) => c.status === "skip").length;
      return `${r.passed}/${r.checks.length - skipped} passed`;
    }),
  ]);
  const lines = table(rows).map((line, i) => {
    if (i === 0) return p.dim(line);
    return line.replace(/\b(fail|timeout|not-run)\b/g, (m) => p.fail(m))
      .replace(/\bpass\b/g, (m) => p.ok(m));
  });
  const notes = runs.flatMap((r) => [
    ...r.checks.filter((c) => c.status !== "pass" && c.error).map((c) =>
      p.fail(`  ${r.backend} ${c.name}: ${firstLine(c.error!)}`)
    ),
    ...r.checks.filter((c) => c.status === "pass" && c.firstError).map((c) =>
      p.warn(
        `  ${r.backend} ${c.name} passed on its second run; the first: ${
          firstLine(c.firstError!)
        }`,
      )
    ),
    ...(r.error ? [p.fail(`  ${r.backend}: ${r.error}`)] : []),
  ]);
  const skipped = [
    ...new Set(
      runs.flatMap((r) =>
        r.checks.filter((c) => c.status === "skip").map((c) => c.name)
      ),
    ),
  ];
  if (skipped.length > 0) {
    notes.push(
      p.dim(`  skipped: ${skipped.join(", ")} (long; --full runs it)`),
    );
  }
  return [
    "",
    p.bold("Conformance (the kernel's ntsync selftests, ported)"),
    ...lines,
    ...notes,
  ];
}

/** `850 ms` or `1.2 s`. */
export function millis(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A duration given in nanoseconds as `874 ns`, `10.4 µs` or `1.95 ms`. */
export function nanos(ns: number): string {
  if (ns < 1e3) return `${Math.round(ns)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${(ns / 1e6).toFixed(2)} ms`;
}

/** `1.23 M/s`-style rate. */
export function rate(perSec: number): string {
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(2)} M/s`;
  if (perSec >= 1e3) return `${(perSec / 1e3).toFixed(1)} k/s`;
  return `${perSec}/s`;
}

/** `, 5.2x CAS+store`: the cycle against the bench's baseline, if measured. */
function casRatio(r: UncontendedResult): string {
  if (!r.casStoreNs) return "";
  return `, ${(r.nsPerCycle / r.casStoreNs).toFixed(1)}x CAS+store`;
}

function benchTable(p: Paint, runs: readonly BenchReport[]): string[] {
  if (runs.length === 0) return [];
  const rows = [["operation", ...runs.map((r) => r.backend)]];
  rows.push([
    "release + poll (uncontended)",
    ...runs.map((r) =>
      "error" in r.uncontended
        ? "error"
        : `${nanos(r.uncontended.nsPerCycle)} (${
          rate(r.uncontended.cyclesPerSec)
        }${casRatio(r.uncontended)})`
    ),
  ]);
  rows.push([
    "Worker handoff round trip",
    ...runs.map((r) =>
      "error" in r.handoff
        ? "error"
        : `${nanos(r.handoff.usPerRoundTrip * 1000)} (${
          rate(r.handoff.roundTripsPerSec)
        })`
    ),
  ]);
  const errors = runs.flatMap((r) => [
    ..."error" in r.uncontended
      ? [`  ${r.backend} uncontended: ${r.uncontended.error}`]
      : [],
    ..."error" in r.handoff
      ? [`  ${r.backend} handoff: ${r.handoff.error}`]
      : [],
  ]);
  return [
    "",
    p.bold(
      "Benchmark (release + poll: median of 5 runs in a fresh Worker, as `deno task bench` measures it)",
    ),
    ...table(rows).map((l, i) => (i === 0 ? p.dim(l) : l)),
    ...errors.map((e) => p.warn(e)),
  ];
}

/** The whole report as text for a terminal (or a log, without colour). */
export function renderReport(r: DoctorReport, color: boolean): string {
  const p = paint(color);
  const s = r.summary;
  const verdictText = s.verdict === "ok"
    ? p.ok("OK")
    : s.verdict === "no-ntsync"
    ? p.warn("NO NTSYNC")
    : p.fail("BROKEN");
  const user = r.user.user ??
    (r.user.uid === null ? "unknown user" : `uid ${r.user.uid}`);
  const factual = s.verdict === "no-ntsync";
  // The verdict comes first: it is what the user came for, and the facts
  // below are read in its light.
  const lines = [
    p.bold("ntsync doctor") +
    p.dim(
      ` (Deno ${r.deno}, run as ${user}, groups ${
        r.user.groups.join(", ") || "none"
      })`,
    ),
    "",
    `${p.bold("Verdict:")} ${verdictText} ${
      p.dim(`(exit ${s.exitCode})`)
    } ${s.headline}`,
  ];
  if (s.fixes.length > 0) {
    lines.push(
      s.verdict === "no-ntsync"
        ? p.bold("How to get ntsync:")
        : p.bold("To fix:"),
    );
    s.fixes.forEach((f, i) => lines.push(`  ${i + 1}. ${f}`));
  }
  lines.push(
    ...(r.access.length ? section(p, "Doctor", r.access) : []),
    ...section(p, "Kernel and driver", [
      ...r.kernel.findings,
      ...r.driver.findings,
    ], factual),
    ...section(p, "Device", r.device.findings, factual),
    ...section(p, "Who uses ntsync now", r.processes.findings),
    ...section(p, "Backends", r.backends.findings, factual),
    ...section(p, "Interface probe", r.uapi.flatMap((u) => u.findings)),
    ...conformanceTable(p, r.conformance),
    ...benchTable(p, r.bench),
  );
  return lines.join("\n") + "\n";
}
