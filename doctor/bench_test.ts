import assert from "node:assert/strict";
import {
  benchBackend,
  benchHandoff,
  benchUncontended,
  benchUncontendedIsolated,
  median,
  timed,
  UNCONTENDED_RUNS,
} from "./bench.ts";
import { EmulatedBackend } from "../core/emulated/backend.ts";
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
  const r = await benchBackend(broken, {
    uncontendedMs: 5,
    handoffMs: 5,
    isolated: false,
  });
  assert.deepEqual(r.uncontended, { error: "no ioctls today" });
  assert.deepEqual(r.handoff, { error: "no ioctls today" });
});

Deno.test("isolated: the median of several runs in a fresh Worker, beside a CAS+store pair", async () => {
  const nt = EmulatedBackend.create();
  const r = await benchUncontendedIsolated(nt, 50);
  assert.equal(r.runs, UNCONTENDED_RUNS);
  assert.ok(r.cycles >= 8 * UNCONTENDED_RUNS, `${r.cycles} cycles`);
  assert.ok(r.nsPerCycle > 0 && r.casStoreNs! > 0);
  assert.equal(r.cyclesPerSec, Math.round(1e9 / r.nsPerCycle));
  // The Worker closed what it opened on the shared device.
  assert.deepEqual(nt.census(), { waits: 0, objects: 0, instances: 0 });
});

Deno.test("isolated: a backend that cannot be shared is recorded, not thrown", async () => {
  const unshareable = quirkyBackend({
    share: () => {
      throw new Error("not shareable");
    },
  });
  const r = await benchBackend(unshareable, { uncontendedMs: 5, handoffMs: 5 });
  assert.deepEqual(r.uncontended, { error: "not shareable" });
});

Deno.test("median: odd and even counts, unsorted input left alone", () => {
  const odd = [5, 1, 3];
  assert.equal(median(odd), 3);
  assert.deepEqual(odd, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), RangeError);
});
