/**
 * The emulated surface's hot paths allocate nothing once warm: an
 * allocation per call means a scavenge every few milliseconds, and in a
 * spinning hand-off each one stalls a side long enough to send its peer to
 * sleep (bench/pingpong_bench.ts). This once regressed unnoticed: the wait
 * args, copied into fields, made U64_MAX's halves two heap numbers a wait.
 *
 * Counted, not timed: each loop of `_hot_loops.ts` runs in a process of its
 * own under `--trace-gc`, once with no iterations and once with a million,
 * and the difference in scavenges is what the iterations cost.
 */

import assert from "node:assert/strict";
import { CONTROL_LOOP, LOOPS } from "./_hot_loops.ts";

const ITERATIONS = 1_000_000;
/**
 * Scavenges a million iterations may add for reasons of V8's own (late
 * tier-up): one allocation per iteration adds about 15.
 */
const SLACK = 2;

async function scavenges(loop: string, iterations: number): Promise<number> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-check",
      "--v8-flags=--trace-gc",
      new URL("./_hot_loops.ts", import.meta.url).pathname,
      loop,
      String(iterations),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 0, `${loop}: ${err}`);
  return new TextDecoder().decode(stdout).split("Scavenge").length - 1;
}

/** Scavenges the control's million objects must add at the least (~15 seen). */
const CONTROL_MIN = 5;

Deno.test("the scavenge count sees one allocation per iteration (positive control)", async () => {
  const idle = await scavenges(CONTROL_LOOP, 0);
  const busy = await scavenges(CONTROL_LOOP, ITERATIONS);
  assert.ok(
    busy - idle >= CONTROL_MIN,
    `only ${
      busy - idle
    } scavenges for ${ITERATIONS} objects: the count is blind`,
  );
});

for (const loop of Object.keys(LOOPS)) {
  Deno.test(`emulated hot path allocates nothing: ${loop}`, async () => {
    const idle = await scavenges(loop, 0);
    const busy = await scavenges(loop, ITERATIONS);
    assert.ok(
      busy - idle <= SLACK,
      `${busy - idle} scavenges in ${ITERATIONS} iterations (${idle} without)`,
    );
  });
}
