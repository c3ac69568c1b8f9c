/**
 * A bounded queue: 1 producer and 2 consumer Workers, a ring of 32 slots
 * guarded by a mutex, a semaphore of free slots and one of items; 100k
 * items a run. On the engine (through the surface), and on raw Atomics with
 * FIFO primitives (the floor for NT's semantics, where a released count or
 * mutex goes to the longest waiter) and with barging futex primitives (the
 * unfair floor). See bench/_raw.ts.
 *
 * `deno run --allow-all bench/queue_bench.ts --runs 7` prints medians.
 *
 * Goal (issue 15): the engine within 1.5x of the FIFO floor and 3x of the
 * unfair one.
 *
 * @module
 */

import { benchDevice, createMutex, createSem } from "./_device.ts";
import { runInWorkers, startWorker } from "./_workers.ts";
import {
  FifoMutex,
  FifoSemaphore,
  FutexMutex,
  FutexSemaphore,
} from "./_raw.ts";
import { Q, type QueueInit, queueLayout } from "./_queue.ts";
import { envCount, runsArg, runVariants } from "./_runs.ts";

const ITEMS = envCount("QUEUE_ITEMS", 100_000);
const L = queueLayout();
const { nt, dev } = benchDevice();
const free = createSem(nt, dev, L.capacity, L.capacity);
const items = createSem(nt, dev, 0, L.capacity);
const mutex = createMutex(nt, dev);
const shared = new SharedArrayBuffer(L.words * 4);
const w = new Int32Array(shared);
new FutexSemaphore(w, L.unfairFree).init(L.capacity);
new FutexSemaphore(w, L.unfairItems).init(0);
new FutexMutex(w, L.unfairMutex); // all-zero words: free
new FifoSemaphore(w, L.fifoFree, L.semSlots).init(L.capacity);
new FifoSemaphore(w, L.fifoItems, L.semSlots).init(0);
new FifoMutex(w, L.fifoMutex, L.mutexSlots).init();

const url = new URL("./queue_worker.ts", import.meta.url);
const roles = ["producer", ...Array(L.consumers).fill("consumer")] as const;
for (const [i, role] of roles.entries()) {
  await startWorker(
    url,
    {
      role,
      token: nt.share(),
      dev,
      free,
      items,
      mutex,
      owner: 100 + i,
      shared,
    } satisfies QueueInit,
  );
}

function run(kind: number): void {
  w[Q.HEAD] = 0;
  w[Q.TAIL] = 0;
  w[Q.SUM_LO] = 0;
  w[Q.SUM_HI] = 0;
  Atomics.store(w, Q.KIND, kind);
  Atomics.store(w, Q.ITEMS, ITEMS);
  runInWorkers(w, Q.GO, Q.DONE, roles.length);
  const sum = w[Q.SUM_HI] * 0x1000_0000 + w[Q.SUM_LO];
  if (sum !== ITEMS * (ITEMS + 1) / 2) throw new Error(`lost items: ${sum}`);
}

const variants = [
  {
    name: "raw Atomics, barging futex primitives (unfair floor)",
    run: () => run(0),
  },
  {
    name: "raw Atomics, FIFO hand-off primitives (FIFO floor)",
    run: () => run(1),
  },
  { name: "ntsync: WAIT_ANY, SEM_RELEASE, MUTEX_UNLOCK", run: () => run(2) },
];
const group =
  `bounded queue, 1 producer + ${L.consumers} consumers, ${ITEMS} items`;
const runs = runsArg();
if (runs !== undefined) {
  runVariants(group, variants, runs, [0, 1]);
  self.close();
} else {
  variants.forEach(({ name, run }, i) =>
    Deno.bench({ name, group, baseline: i === 1, n: 5, warmup: 1, fn: run })
  );
}
