/**
 * Release + poll through the surface with each kind of argument view a user
 * passes, and mixes of kinds across calls, against the same with DataViews
 * (the baseline) and a CAS+store pair on shared memory (the least any
 * cross-thread lock costs), in one run.
 *
 * `deno run --allow-all bench/args_bench.ts --interleaved [--native]`
 * prints medians of interleaved batches (see _interleaved.ts).
 *
 * Goal (issue 15): every kind and every mix within 1.2x of the fastest.
 * One remembered DataView used to make two alternating typed arrays evict
 * each other (430 ns a pair against 125 ns with DataViews).
 *
 * @module
 */

import { type ArgKind, KINDS, releaseAndPollWith, semOp } from "./_args.ts";
import { benchDevice } from "./_device.ts";
import { getBackend } from "../mod.ts";
import { benchRows, type Row } from "./_interleaved.ts";

// `--native` (with `--interleaved`, in the real-kernel VM): /dev/ntsync.
const native = Deno.args.includes("--native");
const { nt, dev } = native
  ? ((nt) => ({ nt, dev: nt.open() }))(getBackend("native"))
  : benchDevice();
const group = `release + poll by argument kind (${nt.kind})`;
const words = new Int32Array(new SharedArrayBuffer(64));

const rows: Row[] = [{
  name: "CAS+store pair on shared memory",
  fn() {
    if (Atomics.compareExchange(words, 0, 0, 1) !== 0) throw new Error("held");
    Atomics.store(words, 0, 0);
  },
}];

/** A row: `n` semaphores, each with its own arguments, used in turn. */
function row(
  name: string,
  kinds: [release: ArgKind | null, poll: ArgKind | null][],
  baseline = false,
): void {
  const ops = kinds.map(([r, p]) => semOp(nt, dev, r, p));
  let i = 0;
  rows.push({
    name,
    baseline,
    fn() {
      releaseAndPollWith(nt, dev, ops[i]);
      i = i + 1 === ops.length ? 0 : i + 1;
    },
  });
}

row("DataView", [[KINDS.DataView, KINDS.DataView]], true);
for (const [name, kind] of Object.entries(KINDS)) {
  if (name !== "DataView") row(name, [[kind, kind]]);
}
row("struct codecs' DataViews (SemArgs/WaitArgs.alloc)", [[null, null]]);
row("mix: Uint32Array release, Uint8Array poll", [[
  KINDS.Uint32Array,
  KINDS.Uint8Array,
]]);
row("mix: two semaphores alternating, Uint32Array each", [
  [KINDS.Uint32Array, KINDS.Uint32Array],
  [KINDS.Uint32Array, KINDS.Uint32Array],
]);
row("mix: two semaphores alternating, Uint8Array and Int32Array", [
  [KINDS.Uint8Array, KINDS.Uint8Array],
  [KINDS.Int32Array, KINDS.Int32Array],
]);
row(
  "mix: every kind in turn, one semaphore each",
  Object.values(KINDS).map((k) => [k, k]),
);
row("mix: two semaphores alternating, DataView each (control)", [
  [KINDS.DataView, KINDS.DataView],
  [KINDS.DataView, KINDS.DataView],
]);
row(
  "mix: 16 semaphores in turn, Uint32Array each (more than the cache's slots)",
  Array.from({ length: 16 }, () => [KINDS.Uint32Array, KINDS.Uint32Array]),
);
row(
  "mix: 16 semaphores in turn, DataView each (control)",
  Array.from({ length: 16 }, () => [KINDS.DataView, KINDS.DataView]),
);

benchRows(group, rows);
