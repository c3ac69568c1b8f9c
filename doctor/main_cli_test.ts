/**
 * The doctor as a user runs it: a subprocess of this very Deno, with the
 * permissions of `deno task doctor`, stdout and stderr captured (so neither
 * is a terminal: no colour, no progress line).
 */

import assert from "node:assert/strict";

const ESC = "\x1b";
import type { DoctorReport } from "./main.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

async function doctor(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, ...args],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

Deno.test("--json: exactly one JSON object on stdout, exit status as reported", async () => {
  const { code, stdout, stderr } = await doctor(["--json"]);
  // JSON.parse rejects anything before or after the one object
  const report = JSON.parse(stdout) as DoctorReport;
  assert.equal(stdout.trimEnd().split("\n").at(-1), "}");
  assert.equal(report.schema, 1);
  assert.equal(code, report.summary.exitCode);
  const native = report.backends.backends.find((b) => b.kind === "native")!;
  // whatever the machine, the verdict must follow from the backends
  assert.equal(
    report.summary.verdict,
    native.available ? "ok" : "no-ntsync",
    report.summary.headline,
  );
  assert.equal(code, native.available ? 0 : 2);
  if (!native.available) {
    assert.ok(
      report.summary.fixes.length > 0,
      "no usable ntsync must come with how to get it",
    );
  }
  // the full run: conformance and benchmark on every usable backend
  const usable = report.backends.backends.filter((b) => b.available).map((b) =>
    b.kind
  );
  assert.deepEqual(report.conformance.map((c) => c.backend), usable);
  assert.deepEqual(report.bench.map((b) => b.backend), usable);
  const emulated = report.conformance.find((c) => c.backend === "emulated")!;
  assert.ok(emulated.checks.length >= 12);
  assert.equal(
    emulated.checks.find((c) => c.name === "stress_wait")?.status,
    "skip",
    "long checks need --full",
  );
  assert.equal(
    emulated.failed,
    0,
    JSON.stringify(emulated.checks.filter((c) => c.status !== "pass")),
  );
  const bench = report.bench.find((b) => b.backend === "emulated")!;
  assert.ok(
    "nsPerCycle" in bench.uncontended,
    JSON.stringify(bench.uncontended),
  );
  assert.ok("roundTripsPerSec" in bench.handoff, JSON.stringify(bench.handoff));
  assert.equal(
    report.access.length,
    0,
    "deno task doctor's permissions must let it see /proc and /sys",
  );
  assert.doesNotMatch(
    stderr,
    /\r/,
    "no progress line when stderr is not a terminal",
  );
});

Deno.test("table on a pipe: no colour; --color forces it, even with NO_COLOR", async () => {
  const plain = await doctor(["--quick"]);
  assert.match(plain.stdout, /^ntsync doctor/);
  assert.match(plain.stdout, /\nVerdict: (OK|NO NTSYNC|BROKEN) \(exit \d\)/);
  assert.ok(!plain.stdout.includes(ESC), "no escape codes");
  const forced = await doctor(["--quick", "--color"], { NO_COLOR: "1" });
  assert.ok(forced.stdout.startsWith(`${ESC}[1mntsync doctor`));
  assert.equal(forced.code, plain.code);
});

Deno.test("--help exits 0; a bad argument exits 64 with nothing on stdout", async () => {
  const help = await doctor(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Exit status:/);
  const bad = await doctor(["--bogus"]);
  assert.equal(bad.code, 64);
  assert.equal(bad.stdout, "");
  assert.match(bad.stderr, /unknown argument: --bogus/);
});
