/**
 * Waiters that have nothing to do with the object a bench wakes: async
 * waits queued on other semaphores, which never become signaled. They sit
 * in the device's records and queues for the rest of the process.
 *
 * @module
 */

import type { EmulatedBackend } from "../core/emulated/backend.ts";
import { NTSYNC_IOC_WAIT_ANY } from "../mod.ts";
import { createSem, FOREVER, waitArgs } from "./_device.ts";

/** Keeps the waits' argument memory alive (the engine holds only addresses). */
const keep: unknown[] = [];

/**
 * Queue `count` async WAIT_ANY waits round-robin over `objects` new empty
 * semaphores of `dev`. Returns once they are all queued.
 */
export function queueUnrelated(
  nt: EmulatedBackend,
  dev: number,
  count: number,
  objects: number,
): void {
  const sems = Array.from({ length: objects }, () => createSem(nt, dev, 0, 1));
  const before = nt.census().waits;
  for (let i = 0; i < count; i++) {
    const w = waitArgs(nt, [sems[i % objects]], { owner: 1, timeout: FOREVER });
    keep.push(w);
    // Never satisfied: the promise stays pending until the process ends.
    nt.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, w.args).catch((err) =>
      keep.push(err)
    );
  }
  const queued = nt.census().waits - before;
  if (queued !== count) {
    throw new Error(`queued ${queued} of ${count} unrelated waits`);
  }
}
