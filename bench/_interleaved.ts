/**
 * Rows of a bench, run either as `Deno.bench` rows (`deno bench`) or, on a
 * machine whose load swings (2 vCPUs shared with other jobs), interleaved:
 * `deno run bench/x_bench.ts --interleaved` times every row in short
 * batches, round after round, and prints each row's median time per
 * iteration and its ratio to the baseline row's median. A load swing then
 * hits all rows alike instead of whichever `deno bench` was running.
 *
 * @module
 */

/** One row: its name and what one iteration does. */
export interface Row {
  name: string;
  fn: () => void;
  /** The row the others are a ratio to (one per group). */
  baseline?: boolean;
}

/** Iterations per batch: about 0.1 to 1 ms a batch. */
const BATCH = 2000;
const ROUNDS = 41;

/** Median of `xs` (sorted in place). */
export function median(xs: number[]): number {
  xs.sort((a, b) => a - b);
  const m = xs.length >> 1;
  return xs.length & 1 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
}

/** Time each row in interleaved batches; print medians and ratios. */
export function runInterleaved(group: string, rows: Row[]): void {
  for (const row of rows) for (let i = 0; i < 20 * BATCH; i++) row.fn();
  const times = rows.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    rows.forEach((row, r) => {
      const fn = row.fn;
      const t0 = performance.now();
      for (let i = 0; i < BATCH; i++) fn();
      times[r].push((performance.now() - t0) * 1e6 / BATCH);
    });
  }
  const mins = times.map((t) => Math.min(...t));
  const medians = times.map(median);
  const b = Math.max(0, rows.findIndex((r) => r.baseline));
  const base = medians[b];
  console.log(`\n${group} (median of ${ROUNDS} interleaved batches)`);
  rows.forEach((row, r) => {
    console.log(
      `${medians[r].toFixed(1).padStart(8)} ns  ${
        (medians[r] / base).toFixed(2)
      }x  (min ${mins[r].toFixed(1)} ns, ${
        (mins[r] / mins[b]).toFixed(2)
      }x)  ${row.name}`,
    );
  });
}

/**
 * Register `rows` with `Deno.bench`, or run them interleaved when the
 * script was started with `--interleaved`.
 */
export function benchRows(group: string, rows: Row[]): void {
  if (Deno.args.includes("--interleaved")) {
    runInterleaved(group, rows);
    return;
  }
  for (const { name, fn, baseline } of rows) {
    Deno.bench({ name, group, baseline, fn });
  }
}
