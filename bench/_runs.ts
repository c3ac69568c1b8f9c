/**
 * Contended benches run whole runs (thousands of hand-offs across Workers),
 * whose times swing with the machine's load: `--runs N` runs each variant N
 * times, interleaved round by round, and prints each one's median run time
 * and its ratios to the floors' medians, instead of `Deno.bench` rows.
 *
 * @module
 */

import { median } from "./_interleaved.ts";

/** One variant: its name and one run. */
export interface Variant {
  name: string;
  run: () => void;
}

/** The `--runs N` argument, or undefined. */
export function runsArg(): number | undefined {
  const i = Deno.args.indexOf("--runs");
  if (i < 0) return undefined;
  const n = Number(Deno.args[i + 1]);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`--runs: a positive integer, got ${Deno.args[i + 1]}`);
  }
  return n;
}

/**
 * A count from the environment variable `name` (a positive integer), or
 * `fallback` when it is not set: a run sized by a typo would measure
 * nothing and still pass its checks.
 */
export function envCount(name: string, fallback: number): number {
  const text = Deno.env.get(name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`${name}: a positive integer, got ${text}`);
  }
  return n;
}

/**
 * Run each variant `runs` times, round by round (after one warm-up round),
 * and print medians, ranges and ratios to variants `floors` (by index).
 */
export function runVariants(
  title: string,
  variants: Variant[],
  runs: number,
  floors: number[],
): number[] {
  for (const v of variants) v.run();
  const times = variants.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) {
    variants.forEach((v, i) => {
      const t0 = performance.now();
      v.run();
      times[i].push(performance.now() - t0);
    });
  }
  const lows = times.map((t) => Math.min(...t));
  const highs = times.map((t) => Math.max(...t));
  const medians = times.map(median);
  console.log(`\n${title}: median of ${runs} runs each, interleaved`);
  variants.forEach((v, i) => {
    const ratios = floors.map((f) =>
      `${(medians[i] / medians[f]).toFixed(2)}x ${variants[f].name}`
    ).join(", ");
    console.log(
      `${medians[i].toFixed(1).padStart(9)} ms  (${lows[i].toFixed(1)}..${
        highs[i].toFixed(1)
      })  ${v.name}  [${ratios}]`,
    );
  });
  return medians;
}
