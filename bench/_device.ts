/**
 * A fresh emulated device for a bench file, and the preallocated argument
 * buffers a hot loop passes to the surface.
 *
 * @module
 */

import { EmulatedBackend } from "../core/emulated/backend.ts";
import { WaitArgs } from "../mod.ts";
import { FOREVER } from "../tests/stress/_surface.ts";

export {
  createEvent,
  createMutex,
  createSem,
  FOREVER,
  Ops,
  readSem,
  Waiter,
} from "../tests/stress/_surface.ts";

/** A device of the bench's own (no other file's objects or waits on it). */
export function benchDevice(): { nt: EmulatedBackend; dev: number } {
  const nt = EmulatedBackend.create();
  return { nt, dev: nt.open() };
}

/**
 * `ntsync_wait_args` for `fds`, with its fd array (keep both alive: the
 * args hold only the array's address). `timeout` 0n polls.
 */
export function waitArgs(
  nt: EmulatedBackend,
  fds: readonly number[],
  owner = 1,
  timeout: bigint = FOREVER,
  alert = 0,
): { args: DataView; objs: Int32Array } {
  const objs = new Int32Array(fds);
  const args = WaitArgs.alloc({
    timeout,
    objs: nt.addressOf(objs),
    count: fds.length,
    owner,
    alert,
  });
  return { args, objs };
}
