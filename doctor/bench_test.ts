import assert from "node:assert/strict";
import {
  benchBackend,
  benchHandoff,
  benchUncontended,
  timed,
} from "./bench.ts";
import { quirkyBackend } from "./testdata/fake_backends.ts";
import { getBackend } from "../select/registry.ts";

Deno.test("uncontended cycle: counts, rates, and the fds are closed", () => {
  const nt = quirkyBackend();
  const first = nt.open();
  nt.close(first);
  const r = benchUncontended(nt, 10);
  assert.ok(r.cycles >= 8);
  assert.ok(r.nsPerCycle > 0);
  assert.ok(Math.abs(r.cyclesPerSec * r.nsPerCycle / 1e9 - 1) < 0.05);
  const again = nt.open();
  assert.equal(again, first);
  nt.close(again);
});

Deno.test("Worker handoff round trips on the shared engine", async () => {
  const nt = getBackend("emulated");
  const r = await benchHandoff(nt, 30);
  assert.ok(r.roundTrips >= 8);
  assert.ok(r.usPerRoundTrip > 0);
});

Deno.test("timed: batches grow, and the budget bounds the run", () => {
  let n = 0;
  const [steps, ms] = timed(() => {
    n++;
  }, 5);
  assert.equal(steps, n);
  assert.ok(ms >= 5);
  assert.ok(steps > 8, "fast steps must be batched up");
  // a slow step (2 ms): the first batch of 8 already spends the 10 ms budget
  const slow = timed(() => {
    const end = performance.now() + 2;
    while (performance.now() < end) { /* spin */ }
  }, 10);
  assert.equal(slow[0], 8);
  assert.ok(slow[1] >= 16);
});

Deno.test("a failing part is recorded, not thrown", async () => {
  const broken = quirkyBackend({
    ioctl: () => {
      throw new Error("no ioctls today");
    },
  });
  const r = await benchBackend(broken, { uncontendedMs: 5, handoffMs: 5 });
  assert.deepEqual(r.uncontended, { error: "no ioctls today" });
  assert.deepEqual(r.handoff, { error: "no ioctls today" });
});
