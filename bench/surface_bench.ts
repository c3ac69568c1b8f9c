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
  WAIT_WORD,
  WaitMemory,
} from "../mod.ts";
import {
  benchDevice,
  createEvent,
  createSem,
  releaseAndPoll,
  waitArgs,
} from "./_device.ts";

const { nt, dev } = benchDevice();
const sem = createSem(nt, dev, 0, 1);
const read = new DataView(new ArrayBuffer(8));
const surfaceOp = releaseAndPoll(nt, dev);

// The same op with an alert (as every Wine and NT-layer wait has), and
// through a WaitMemory (as the typed API waits).
const alertSem = createSem(nt, dev, 0, 1);
const alert = createEvent(nt, dev, true, false);
const one = new DataView(new Uint32Array([1, 0]).buffer);
const withAlert = waitArgs(nt, [alertSem], { owner: 1, timeout: 0n, alert });
const memorySem = createSem(nt, dev, 0, 1);
const memory = new WaitMemory(nt);
memory.objs[0] = memorySem;
memory.words[WAIT_WORD.count] = 1;
memory.words[WAIT_WORD.owner] = 1; // timeout 0: a poll

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
  name: "surface: the same, the poll with an alert",
  group: "uncontended op",
  fn() {
    one.setUint32(0, 1, true);
    nt.ioctl(alertSem, NTSYNC_IOC_SEM_RELEASE, one);
    nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, withAlert.args);
  },
});

Deno.bench({
  name: "surface: the same, the poll by tryWait on a WaitMemory",
  group: "uncontended op",
  fn() {
    one.setUint32(0, 1, true);
    nt.ioctl(memorySem, NTSYNC_IOC_SEM_RELEASE, one);
    if (nt.tryWait(dev, NTSYNC_IOC_WAIT_ANY, memory) !== 0) {
      throw new Error("not signaled");
    }
  },
});

Deno.bench({
  name: "surface: SEM_READ",
  group: "uncontended op",
  fn() {
    nt.ioctl(sem, NTSYNC_IOC_SEM_READ, read);
  },
});
