/**
 * The typed API against the ioctl surface for the same work: a semaphore
 * released and polled, each on a device of its own.
 *
 * A file of its own: benches in one file share one isolate, and behind the
 * other surface benches this comparison swung from 1.0x to 1.5x between
 * runs; alone it held at 1.08x to 1.21x over five.
 *
 * Goal (issue 4): the typed API at most 1.2x the surface.
 *
 * @module
 */

import { NTSYNC_IOC_SEM_RELEASE, NTSYNC_IOC_WAIT_ANY } from "../mod.ts";
import { openDevice } from "../core/api/mod.ts";
import { benchDevice, createSem, waitArgs } from "./_device.ts";

const { nt, dev } = benchDevice();
const sem = createSem(nt, dev, 0, 1);
const one = new DataView(new Uint32Array([1, 0]).buffer);
const poll = waitArgs(nt, [sem], 1, 0n);

const typed = openDevice(benchDevice().nt);
const tsem = typed.createSemaphore(0, 1);
const tobjs = [tsem];
const tpoll = { timeout: 0 };

Deno.bench({
  name: "surface: SEM_RELEASE + WAIT_ANY poll",
  group: "typed API vs surface",
  baseline: true,
  fn() {
    one.setUint32(0, 1, true);
    nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, one);
    nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, poll.args);
  },
});

Deno.bench({
  name: "typed API: sem.release() + dev.waitAny([sem], {timeout: 0})",
  group: "typed API vs surface",
  fn() {
    tsem.release();
    if (typed.waitAny(tobjs, tpoll).status !== "signaled") {
      throw new Error("not signaled");
    }
  },
});
