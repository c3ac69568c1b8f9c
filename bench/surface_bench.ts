/**
 * The uncontended fast path through the ioctl surface, against a CAS+store
 * pair on shared memory (the least any cross-thread lock costs). The typed
 * API against the surface is in typed_bench.ts.
 *
 * Goal (issue 4): SEM_RELEASE + WAIT_ANY poll at most 8x the CAS+store
 * pair.
 *
 * @module
 */

import { NTSYNC_IOC_SEM_READ } from "../mod.ts";
import { benchDevice, createSem, releaseAndPoll } from "./_device.ts";

const { nt, dev } = benchDevice();
const sem = createSem(nt, dev, 0, 1);
const read = new DataView(new ArrayBuffer(8));
const surfaceOp = releaseAndPoll(nt, dev);

const words = new Int32Array(new SharedArrayBuffer(64));

Deno.bench({
  name: "CAS+store pair on shared memory",
  group: "uncontended op",
  baseline: true,
  fn() {
    if (Atomics.compareExchange(words, 0, 0, 1) !== 0) throw new Error("held");
    Atomics.store(words, 0, 0);
  },
});

Deno.bench({
  name: "surface: SEM_RELEASE + WAIT_ANY poll",
  group: "uncontended op",
  fn: surfaceOp,
});

Deno.bench({
  name: "surface: SEM_READ",
  group: "uncontended op",
  fn() {
    nt.ioctl(sem, NTSYNC_IOC_SEM_READ, read);
  },
});
