/**
 * What an idle wait costs in CPU: a Worker waits on an auto-reset event
 * that another Worker sets about a millisecond later, again and again, so
 * every wait spins for its budget and then sleeps. The CPU time the process
 * spends per wait (both Workers; the main thread sleeps) is compared with
 * the same waits on a raw event (bench/_raw.ts), which spins by the
 * engine's own rules (core/emulated/spin.ts) before it sleeps.
 *
 * Not a `Deno.bench` file: wall time is the setter's sleeps. Run with
 * `deno task bench:idle` (`--runs N`, default 7; IDLE_WAITS waits per run,
 * default 500).
 *
 * @module
 */

import process from "node:process";
import { benchDevice, createEvent } from "./_device.ts";
import { median } from "./_interleaved.ts";
import { envCount, runsArg } from "./_runs.ts";
import { runInWorkers, startWorker } from "./_workers.ts";
import {
  I_DONE,
  I_GO,
  I_KIND,
  I_TAKEN,
  I_WAITS,
  I_WORDS,
  type IdleInit,
} from "./idle_cpu_worker.ts";

/** The setter's sleep before each set: longer than any spin (MAX_SPIN_US). */
const DELAY_MS = 1;
const WAITS = envCount("IDLE_WAITS", 500);
const RUNS = runsArg() ?? 7;

const { nt, dev } = benchDevice();
const event = createEvent(nt, dev, false, false);
const shared = new SharedArrayBuffer(I_WORDS * 4);
const w = new Int32Array(shared);
const url = new URL("./idle_cpu_worker.ts", import.meta.url);
for (const role of ["waiter", "setter"] as const) {
  const init: IdleInit = {
    role,
    token: nt.share(),
    dev,
    event,
    shared,
    delayMs: DELAY_MS,
  };
  await startWorker(url, init);
}

/** One run of WAITS waits: microseconds of process CPU per wait, and of wall time. */
function run(kind: 0 | 1): { cpuUs: number; wallUs: number } {
  Atomics.store(w, I_KIND, kind);
  Atomics.store(w, I_WAITS, WAITS);
  Atomics.store(w, I_TAKEN, 0);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  runInWorkers(w, I_GO, I_DONE, 2);
  const wallUs = (performance.now() - t0) * 1000 / WAITS;
  const { user, system } = process.cpuUsage(cpu);
  return { cpuUs: (user + system) / WAITS, wallUs };
}

const names = ["raw Atomics event (spin, then sleep)", "ntsync WAIT_ANY"];
// Warm-up: one run of each.
run(0);
run(1);
const cpu: number[][] = [[], []], wall: number[][] = [[], []];
for (let r = 0; r < RUNS; r++) {
  for (const kind of [0, 1] as const) {
    const { cpuUs, wallUs } = run(kind);
    cpu[kind].push(cpuUs);
    wall[kind].push(wallUs);
  }
}
console.log(
  `\nidle wait, event set ${DELAY_MS} ms later: process CPU per wait, median of ${RUNS} runs of ${WAITS} waits each, interleaved`,
);
// (median() sorts in place: the ranges below read the same either way.)
const medians = cpu.map(median);
for (const kind of [0, 1]) {
  const m = medians[kind];
  console.log(
    `${m.toFixed(1).padStart(7)} us CPU  (${
      Math.min(...cpu[kind]).toFixed(1)
    }..${Math.max(...cpu[kind]).toFixed(1)}; wall ${
      median(wall[kind]).toFixed(0)
    } us)  ${(m / medians[0]).toFixed(2)}x  ${names[kind]}`,
  );
}
// The Workers sleep in Atomics.wait between runs, where terminate() does not
// reach them in Deno 2.9 (see pingpong_paired.ts): end the process instead.
Deno.exit(0);
