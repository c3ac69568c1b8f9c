/**
 * A mutex contended by several Workers: the ntsync mutex through the
 * surface (WAIT_ANY, MUTEX_UNLOCK) against two floors on raw Atomics
 * (bench/_raw.ts): the classic futex mutex, which barges (the releaser may
 * take it straight back), and a FIFO hand-off mutex, which hands it to the
 * longest waiter as ntsync (and NT) must. Fair hand-off costs a wake per
 * contended unlock: the FIFO floor is the one the engine can reach.
 *
 * Two groups: the bare lock/unlock (each Worker bumps one counter, so a
 * lock is mostly free when it is asked for and the ratio is the cost of one
 * uncontended call against two atomics), and a critical section of
 * `WORK` dependent multiply-adds (about a microsecond), long enough that the
 * others are queued when the holder lets go: contention proper.
 *
 * `deno run --allow-all bench/contended_bench.ts --runs 15` prints medians
 * of interleaved runs (bench/_runs.ts).
 *
 * Goal (issue 15): within 1.5x of the FIFO floor and 3x of the unfair one.
 *
 * @module
 */

import { benchDevice, createMutex } from "./_device.ts";
import { runInWorkers, startWorker } from "./_workers.ts";
import { FifoMutex } from "./_raw.ts";
import { runsArg, runVariants } from "./_runs.ts";
import {
  type ContendedInit,
  K_COUNTER,
  K_DONE,
  K_FIFO,
  K_GO,
  K_KIND,
  K_LOOPS,
  K_WORDS,
  K_WORK,
} from "./contended_worker.ts";

const WORKERS = 3;
const LOOPS = 1000;
/** Steps of arithmetic in the critical section of the second group. */
const WORK = 1000;

const { nt, dev } = benchDevice();
const mutex = createMutex(nt, dev);
const shared = new SharedArrayBuffer(K_WORDS * 4);
const w = new Int32Array(shared);
new FifoMutex(w, K_FIFO).init();
const url = new URL("./contended_worker.ts", import.meta.url);
for (let i = 0; i < WORKERS; i++) {
  await startWorker(
    url,
    {
      token: nt.share(),
      dev,
      mutex,
      owner: 100 + i,
      shared,
    } satisfies ContendedInit,
  );
}

function run(kind: number, work: number): void {
  Atomics.store(w, K_KIND, kind);
  Atomics.store(w, K_LOOPS, LOOPS);
  Atomics.store(w, K_WORK, work);
  const before = w[K_COUNTER];
  runInWorkers(w, K_GO, K_DONE, WORKERS);
  if (w[K_COUNTER] !== before + WORKERS * LOOPS) {
    throw new Error("mutual exclusion failed");
  }
}

const groups = [0, WORK].map((work) => ({
  title: `mutex contended by ${WORKERS} Workers, ${WORKERS} x ${LOOPS} ` +
    (work === 0 ? "lock/unlock" : `lock, ${work} multiply-adds, unlock`),
  variants: [
    {
      name: "futex mutex on raw Atomics (unfair floor)",
      run: () => run(0, work),
    },
    {
      name: "FIFO hand-off mutex on raw Atomics (FIFO floor)",
      run: () => run(2, work),
    },
    { name: "ntsync mutex: WAIT_ANY + MUTEX_UNLOCK", run: () => run(1, work) },
  ],
}));
const runs = runsArg();
if (runs !== undefined) {
  for (const { title, variants } of groups) {
    runVariants(title, variants, runs, [0, 1]);
  }
  self.close();
} else {
  for (const { title, variants } of groups) {
    variants.forEach(({ name, run }, i) =>
      Deno.bench({
        name,
        group: title,
        baseline: i === 1,
        n: 50,
        warmup: 5,
        fn: run,
      })
    );
  }
}
