/**
 * The spinning ping-pong of pingpong_bench.ts, measured in pairs: each
 * ntsync run of 1000 round trips right after a raw one, so that both sides
 * of every ratio see the same machine. `deno bench` measures all of one
 * side, then all of the other, and this machine's speed drifts between
 * them (bench/RESULTS.txt); the median of per-pair ratios does not.
 *
 * Run: `deno task bench:paired [pairs]` (default 400 pairs per regime;
 * the first 10% are warm-up and left out).
 *
 * @module
 */

import type { Transport } from "./_pingpong.ts";
import { startPingPong } from "./_pingpong_rig.ts";

const ROUNDS = 1000;
const pairs = Number(Deno.args[0] ?? 400);
if (!Number.isSafeInteger(pairs) || pairs < 10) {
  throw new RangeError(`pairs must be an integer >= 10, got ${Deno.args[0]}`);
}

const rig = await startPingPong();

/** One run's time in microseconds. */
function timed(run: (t: Transport) => void, transport: Transport): number {
  const start = performance.now();
  run(transport);
  return (performance.now() - start) * 1000;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))];
}

const ascending = (a: number, b: number) => a - b;

for (const where of ["worker<->worker", "main<->worker"] as const) {
  const run = where === "main<->worker"
    ? (t: Transport) => rig.inMain(t, ROUNDS, 0)
    : (t: Transport) => rig.inWorker(t, ROUNDS, 0);
  const raw: number[] = [], ntsync: number[] = [], ratios: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const r = timed(run, "raw"), n = timed(run, "ntsync");
    if (i < pairs / 10) continue;
    raw.push(r);
    ntsync.push(n);
    ratios.push(n / r);
  }
  for (const a of [raw, ntsync, ratios]) a.sort(ascending);
  const us = (a: number[], q: number) => (quantile(a, q) / ROUNDS).toFixed(2);
  console.log(
    `${where}, peer spinning, ${raw.length} pairs of ${ROUNDS} round trips:\n` +
      `  per round trip, median (p25-p75): raw ${us(raw, 0.5)} us ` +
      `(${us(raw, 0.25)}-${us(raw, 0.75)}), ntsync ${us(ntsync, 0.5)} us ` +
      `(${us(ntsync, 0.25)}-${us(ntsync, 0.75)})\n` +
      `  ntsync / raw, per pair: median ${
        quantile(ratios, 0.5).toFixed(2)
      }x (p25 ${quantile(ratios, 0.25).toFixed(2)}x, p75 ${
        quantile(ratios, 0.75).toFixed(2)
      }x)`,
  );
}
// The Workers echo forever: end the process.
Deno.exit(0);
