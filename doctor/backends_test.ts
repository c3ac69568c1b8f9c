import assert from "node:assert/strict";
import { probeBackends } from "./backends.ts";
import {
  fakeSource,
  quirkyBackend,
  unavailable,
} from "./testdata/fake_backends.ts";

Deno.test("no device: native is info, auto picks emulated and says why", () => {
  const { report, usable } = probeBackends(
    fakeSource(unavailable("no-device")),
  );
  assert.deepEqual(usable.map((b) => b.kind), ["emulated"]);
  assert.equal(report.auto, "emulated");
  assert.match(report.autoReason!, /no-device/);
  assert.deepEqual(
    report.backends.map((b) => [b.kind, b.available, b.reason]),
    [
      ["native", false, "no-device"],
      ["emulated", true, undefined],
    ],
  );
  assert.deepEqual(report.findings.map((f) => f.status), [
    "info",
    "ok",
    "info",
  ]);
});

Deno.test("no --allow-ffi: native fails with the fix", () => {
  const { report } = probeBackends(fakeSource(unavailable("no-ffi")));
  const f = report.findings[0];
  assert.equal(f.status, "fail");
  assert.match(f.fix![0], /--allow-ffi/);
});

Deno.test("a working device: both usable, auto picks native", () => {
  const { report, usable } = probeBackends(
    fakeSource(quirkyBackend({ kind: "native" })),
  );
  assert.deepEqual(usable.map((b) => b.kind), ["native", "emulated"]);
  assert.equal(report.auto, "native");
  assert.equal(report.autoReason, null);
  assert.deepEqual(report.findings.map((f) => f.status), ["ok", "ok", "ok"]);
});

Deno.test("a plain error without a reason is reported as error", () => {
  const { report } = probeBackends(fakeSource(new Error("boom")));
  assert.equal(report.backends[0].reason, "error");
  assert.equal(report.backends[0].message, "boom");
});

Deno.test("nothing at all: emulated and auto fail", () => {
  const { report, usable } = probeBackends(
    fakeSource(new Error("a"), new Error("b")),
  );
  assert.equal(usable.length, 0);
  assert.equal(report.auto, null);
  assert.deepEqual(report.findings.map((f) => f.status), [
    "fail",
    "fail",
    "fail",
  ]);
});
