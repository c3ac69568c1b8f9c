import assert from "node:assert/strict";
import { checkNames, LONG_CHECKS, runConformance } from "./conformance.ts";

Deno.test("checkNames lists the selftests in the kernel's order", () => {
  const names = checkNames();
  assert.equal(names[0], "semaphore_state");
  assert.ok(names.includes("wake_all"));
  assert.ok(names.includes("stress_wait"));
});

Deno.test("selected checks run on the emulated backend in a Worker", async () => {
  const seen: string[] = [];
  const r = await runConformance("emulated", {
    only: ["semaphore_state", "mutex_state"],
    onStart: (name, i, n) => seen.push(`${i + 1}/${n} ${name}`),
  });
  assert.equal(r.backend, "emulated");
  assert.equal(r.passed, 2);
  assert.equal(r.failed, 0);
  assert.deepEqual(r.checks.map((c) => [c.name, c.status]), [
    ["semaphore_state", "pass"],
    ["mutex_state", "pass"],
  ]);
  assert.deepEqual(seen, ["1/2 semaphore_state", "2/2 mutex_state"]);
  assert.equal(r.error, undefined);
});

Deno.test("an unknown check fails, the rest still run", async () => {
  const r = await runConformance("emulated", {
    only: ["no_such_check", "auto_event_state"],
  });
  assert.deepEqual(r.checks.map((c) => c.status), ["fail", "pass"]);
  assert.equal(r.checks[0].error, "no such check");
});

Deno.test("a check over its time limit is cut off, the next runs in a fresh Worker", async () => {
  // wake_any sees a waiter blocked for 100 ms six times, then waits out a
  // waiter's 1 s deadline: it cannot finish in 1.2 s, while the next check
  // has room to finish in a fresh Worker even under qemu TCG (250 ms was
  // not enough there).
  const r = await runConformance("emulated", {
    only: ["wake_any", "semaphore_state"],
    limitMs: 1200,
    retries: 0,
  });
  assert.deepEqual(r.checks.map((c) => c.status), ["timeout", "pass"]);
  assert.match(r.checks[0].error!, /did not finish within 1200 ms/);
  assert.equal(r.passed, 1);
  assert.equal(r.failed, 1);
  assert.equal(r.error, undefined);
});

Deno.test("a Worker that cannot start in time: the rest are not run", async () => {
  const r = await runConformance("emulated", {
    only: ["semaphore_state"],
    startLimitMs: 1,
  });
  assert.equal(r.checks[0].status, "not-run");
  assert.match(r.error!, /did not start within 1 ms/);
});

Deno.test("options given as undefined take their defaults", async () => {
  const r = await runConformance("emulated", {
    only: ["semaphore_state"],
    limitMs: undefined,
    startLimitMs: undefined,
    retries: undefined,
  });
  assert.equal(r.checks[0].status, "pass");
});

Deno.test("skipped checks are reported, neither passed nor failed", async () => {
  const r = await runConformance("emulated", {
    only: ["stress_wait", "auto_event_state"],
    skip: LONG_CHECKS,
  });
  assert.deepEqual(r.checks.map((c) => [c.name, c.status]), [
    ["stress_wait", "skip"],
    ["auto_event_state", "pass"],
  ]);
  assert.equal(r.passed, 1);
  assert.equal(r.failed, 0);
});

Deno.test("a backend that cannot open fails every check as not run", async () => {
  const r = await runConformance("native", { only: ["semaphore_state"] });
  if (r.passed === 1) return; // a machine with a working /dev/ntsync
  assert.equal(r.checks[0].status, "not-run");
  assert.match(r.error!, /conformance Worker failed/);
});
