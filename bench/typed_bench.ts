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

import { openDevice } from "../core/api/mod.ts";
import { benchDevice, releaseAndPoll } from "./_device.ts";
import { benchRows } from "./_interleaved.ts";

const { nt, dev } = benchDevice();
const surfaceOp = releaseAndPoll(nt, dev);

const typed = openDevice(benchDevice().nt);
const tsem = typed.createSemaphore(0, 1);
const tobjs = [tsem];
const tpoll = { timeout: 0 };

benchRows("typed API vs surface", [{
  name: "surface: SEM_RELEASE + WAIT_ANY poll",
  baseline: true,
  fn: surfaceOp,
}, {
  name: "typed API: sem.release() + dev.waitAny([sem], {timeout: 0})",
  fn() {
    tsem.release();
    if (typed.waitAny(tobjs, tpoll).status !== "signaled") {
      throw new Error("not signaled");
    }
  },
}]);
