import assert from "node:assert/strict";
import { benchBackend, benchHandoff, benchUncontended } from "./bench.ts";
import { quirkyBackend } from "./testdata/fake_backends.ts";
import { getBackend } from "../core/registry.ts";

Deno.test("uncontended cycle: counts, rates, and the fds are closed", () => {
  const nt = quirkyBackend();
  const first = nt.open();
  nt.close(first);
  const r = benchUncontended(nt, 10);
  assert.ok(r.cycles >= 256);
  assert.ok(r.nsPerCycle > 0);
  assert.ok(Math.abs(r.cyclesPerSec * r.nsPerCycle / 1e9 - 1) < 0.05);
  const again = nt.open();
  assert.equal(again, first);
  nt.close(again);
});

Deno.test("Worker handoff round trips on the shared engine", async () => {
  const nt = getBackend("emulated");
  const r = await benchHandoff(nt, 30);
  assert.ok(r.roundTrips >= 16);
  assert.ok(r.usPerRoundTrip > 0);
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
