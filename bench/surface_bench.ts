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

import {
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ANY,
} from "../mod.ts";
import { benchDevice, createSem, waitArgs } from "./_device.ts";

const { nt, dev } = benchDevice();
const sem = createSem(nt, dev, 0, 1);
const one = new DataView(new Uint32Array([1, 0]).buffer);
const read = new DataView(new ArrayBuffer(8));
const poll = waitArgs(nt, [sem], 1, 0n);

const words = new Int32Array(new SharedArrayBuffer(64));

function releaseAndPoll(): void {
  one.setUint32(0, 1, true);
  nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, one);
  nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, poll.args);
}

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
  fn: releaseAndPoll,
});

Deno.bench({
  name: "surface: SEM_READ",
  group: "uncontended op",
  fn() {
    nt.ioctl(sem, NTSYNC_IOC_SEM_READ, read);
  },
});
