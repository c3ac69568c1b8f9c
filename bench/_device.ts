/**
 * A fresh emulated device for a bench file, and the preallocated argument
 * buffers a hot loop passes to the surface.
 *
 * @module
 */

import { EmulatedBackend } from "../core/emulated/backend.ts";
import { NTSYNC_IOC_SEM_RELEASE, NTSYNC_IOC_WAIT_ANY } from "../mod.ts";
import { createSem, waitArgs } from "../conformance/ops.ts";

// The surface helpers are conformance/ops.ts's (published code, not tests/).
export {
  createEvent,
  createMutex,
  createSem,
  FOREVER,
  Ops,
  readSem,
  waitArgs,
  Waiter,
} from "../conformance/ops.ts";

/** A device of the bench's own (no other file's objects or waits on it). */
export function benchDevice(): { nt: EmulatedBackend; dev: number } {
  const nt = EmulatedBackend.create();
  return { nt, dev: nt.open() };
}

/**
 * The uncontended surface op the benches time: SEM_RELEASE by 1, then a
 * WAIT_ANY poll that takes it back, on a semaphore of its own in `dev`.
 */
export function releaseAndPoll(nt: EmulatedBackend, dev: number): () => void {
  const sem = createSem(nt, dev, 0, 1);
  const one = new DataView(new Uint32Array([1, 0]).buffer);
  const poll = waitArgs(nt, [sem], { owner: 1, timeout: 0n }); // holds its fd array alive
  return () => {
    one.setUint32(0, 1, true);
    nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, one);
    nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, poll.args);
  };
}
