import assert from "node:assert/strict";

const ESC = "\x1b";
import { runDoctor } from "./main.ts";
import { millis, nanos, rate, renderReport, useColor, wrap } from "./render.ts";
import type { DoctorReport } from "./report.ts";
import { fakeSystem } from "./testdata/fake_system.ts";
import { fakeSource, unavailable } from "./testdata/fake_backends.ts";

async function sample(): Promise<DoctorReport> {
  using fake = fakeSystem({
    release: "6.18.44",
    files: { "/boot/config-6.18.44": "# CONFIG_NTSYNC is not set\n" },
  });
  const r = await runDoctor({
    system: fake.system,
    backends: fakeSource(unavailable("no-device")),
    conformance: false,
    bench: false,
  });
  return {
    ...r,
    conformance: [{
      backend: "emulated",
      passed: 2,
      failed: 1,
      checks: [
        { name: "semaphore_state", status: "pass", ms: 3, attempts: 1 },
        {
          name: "alert_any",
          status: "pass",
          ms: 7,
          attempts: 2,
          firstError: "late wake",
        },
        { name: "stress_wait", status: "skip", ms: 0, attempts: 0 },
        {
          name: "wake_any",
          status: "fail",
          ms: 9,
          attempts: 2,
          error: "step x: expected 0, got -1/ETIMEDOUT",
        },
      ],
    }],
    bench: [{
      backend: "emulated",
      uncontended: {
        cycles: 1000,
        cyclesPerSec: 1_250_000,
        nsPerCycle: 800,
        runs: 5,
        casStoreNs: 160,
      },
      handoff: { error: "the Worker did not answer" },
    }],
  };
}

Deno.test("without colour: no escape codes, every section and the verdict", async () => {
  const text = renderReport(await sample(), false);
  assert.ok(!text.includes(ESC), "no escape codes");
  for (
    const heading of [
      "Kernel and driver",
      "Device",
      "Who uses ntsync now",
      "Backends",
      "Interface probe",
      "Conformance",
      "Benchmark",
    ]
  ) assert.ok(text.includes(`\n${heading}`), heading);
  // The emulated backend works: a missing driver is a fact, not a failure.
  assert.match(text, /\[ no \] CONFIG_NTSYNC {4}not set/);
  assert.ok(
    !text.includes("[FAIL]"),
    "no FAIL tag when the verdict is no-ntsync",
  );
  assert.match(text, /Verdict: NO NTSYNC \(exit 2\)/);
  assert.ok(
    text.indexOf("Verdict:") < text.indexOf("\nKernel and driver"),
    "the verdict comes first",
  );
  assert.match(text, /How to get ntsync:\n {2}1\. Boot a kernel/);
  assert.match(text, /semaphore_state\s+pass 3 ms\n/);
  assert.match(text, /alert_any\s+pass 7 ms \(2nd run\)/);
  assert.match(
    text,
    /emulated alert_any passed on its second run; the first: late wake/,
  );
  assert.match(text, /stress_wait\s+skipped/);
  assert.match(text, /skipped: stress_wait \(long; --full runs it\)/);
  assert.match(text, /total\s+2\/3 passed/);
  assert.match(text, /wake_any\s+fail/);
  assert.match(text, /emulated wake_any: step x/);
  assert.match(
    text,
    /release \+ poll \(uncontended\)\s+800 ns \(1\.25 M\/s, 5\.0x CAS\+store\)/,
  );
  assert.match(text, /emulated handoff: the Worker did not answer/);
  assert.match(text, /Worker handoff round trip\s+error/);
});

Deno.test("with colour: ANSI escapes around the verdict", async () => {
  const report = await sample();
  const text = renderReport(report, true);
  assert.ok(text.includes(`${ESC}[33mNO NTSYNC${ESC}[39m`));
  assert.ok(text.includes(`${ESC}[33m[ no ]${ESC}[39m`));
  // A broken machine's failed probes are failures, in red.
  const broken = renderReport({
    ...report,
    summary: { ...report.summary, verdict: "broken", exitCode: 3 },
  }, true);
  assert.ok(broken.includes(`${ESC}[31mBROKEN${ESC}[39m`));
  assert.ok(broken.includes(`${ESC}[31m[FAIL]${ESC}[39m`));
  assert.ok(!broken.includes("[ no ]"));
});

Deno.test("useColor: NO_COLOR and non-terminals turn it off, flags win", () => {
  assert.equal(useColor(undefined, true, false), true);
  assert.equal(useColor(undefined, true, true), false);
  assert.equal(useColor(undefined, false, false), false);
  assert.equal(useColor(true, false, true), true);
  assert.equal(useColor(false, true, false), false);
});

Deno.test("durations", () => {
  assert.equal(millis(850), "850 ms");
  assert.equal(millis(1234), "1.2 s");
  assert.equal(nanos(874), "874 ns");
  assert.equal(nanos(10_410), "10.4 µs");
  assert.equal(nanos(1_951_952), "1.95 ms");
});

Deno.test("wrap and rate", () => {
  assert.deepEqual(wrap("aa bb cc dd", 5), ["aa bb", "cc dd"]);
  assert.deepEqual(wrap("averyveryverylongword x", 5), [
    "averyveryverylongword",
    "x",
  ]);
  assert.equal(rate(1_500_000), "1.50 M/s");
  assert.equal(rate(96_102), "96.1 k/s");
  assert.equal(rate(12), "12/s");
});
