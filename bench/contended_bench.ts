/**
 * A mutex contended by several Workers: the ntsync mutex through the
 * surface (WAIT_ANY, MUTEX_UNLOCK) against the classic futex mutex on raw
 * Atomics (bench/_raw.ts), the floor.
 *
 * Expect a gap: an ntsync unlock hands the mutex to the first queued waiter
 * (FIFO, as the kernel does), which must then wake, while a futex mutex lets
 * the releaser take it straight back (barging). Fair hand-off costs a wake
 * per contended unlock.
 *
 * @module
 */

import { benchDevice, createMutex } from "./_device.ts";
import { runInWorkers, startWorker } from "./_workers.ts";
import {
  type ContendedInit,
  K_COUNTER,
  K_DONE,
  K_GO,
  K_KIND,
  K_LOOPS,
  K_WORDS,
} from "./contended_worker.ts";

const WORKERS = 3;
const LOOPS = 1000;

const { nt, dev } = benchDevice();
const mutex = createMutex(nt, dev);
const shared = new SharedArrayBuffer(K_WORDS * 4);
const w = new Int32Array(shared);
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

function run(kind: number): void {
  Atomics.store(w, K_KIND, kind);
  Atomics.store(w, K_LOOPS, LOOPS);
  const before = w[K_COUNTER];
  runInWorkers(w, K_GO, K_DONE, WORKERS);
  if (w[K_COUNTER] !== before + WORKERS * LOOPS) {
    throw new Error("mutual exclusion failed");
  }
}

const group =
  `mutex contended by ${WORKERS} Workers, ${WORKERS} x ${LOOPS} lock/unlock`;
Deno.bench({
  name: "futex mutex on raw Atomics (floor)",
  group,
  baseline: true,
  n: 50,
  warmup: 5,
  fn: () => run(0),
});
Deno.bench({
  name: "ntsync mutex: WAIT_ANY + MUTEX_UNLOCK",
  group,
  n: 50,
  warmup: 5,
  fn: () => run(1),
});
