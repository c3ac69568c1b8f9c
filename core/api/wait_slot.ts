/**
 * The memory of one wait: a 40-byte `ntsync_wait_args` and a 64-entry fd
 * array whose `addressOf` is taken once. Blocking waits share one slot per
 * device; async waits borrow one from a small pool for as long as they are
 * pending (the backend may read it after the call has returned).
 *
 * @module
 */

import type { Backend } from "../backend.ts";
import {
  NTSYNC_MAX_WAIT_COUNT,
  NTSYNC_WAIT_ARGS_SIZE,
} from "../../uapi/ioctl.ts";
import { HOST_LITTLE_ENDIAN as LE } from "../../uapi/struct.ts";
import { WAIT } from "../../uapi/structs.ts";
import type { SyncObject } from "./object.ts";

/**
 * The memory of one wait: the 40-byte `ntsync_wait_args` and a 64-entry fd
 * array whose address is already stored in `objs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getBackend } from "../../select/registry.ts";
 * import { WaitSlot } from "./wait_slot.ts";
 * const slot = new WaitSlot(getBackend("emulated"));
 * assert.equal(slot.objs.length, 64);
 * assert.equal(slot.args.byteLength, 40);
 * ```
 */
export class WaitSlot {
  /** `ntsync_wait_args`, passed to the ioctl. */
  readonly args: DataView;
  /** The same 40 bytes as `__u32` words. */
  readonly words: Uint32Array;
  /** The fds waited on; `args.objs` points here. */
  readonly objs: Int32Array;
  /** The alert of the wait being prepared, for decoding and EINVAL diagnosis. */
  alert: SyncObject | undefined;

  /**
   * Allocate the slot and store its fd array's address in `args.objs`.
   *
   * @param backend the backend whose `addressOf` the fd array is registered with
   */
  constructor(backend: Backend) {
    const buffer = new ArrayBuffer(NTSYNC_WAIT_ARGS_SIZE);
    this.args = new DataView(buffer);
    this.words = new Uint32Array(buffer);
    this.objs = new Int32Array(NTSYNC_MAX_WAIT_COUNT);
    this.args.setBigUint64(WAIT.objs, backend.addressOf(this.objs), LE);
    this.alert = undefined;
  }
}
