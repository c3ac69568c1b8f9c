/**
 * The memory of one wait: a {@linkcode WaitMemory} (the 40-byte
 * `ntsync_wait_args` and a 64-entry fd array whose address is taken once)
 * and what the typed API knows of the wait it holds. Blocking waits share
 * one slot per device; async waits borrow one from a small pool for as long
 * as they are pending (the backend may read it after the call has
 * returned).
 *
 * @module
 */

import type { Backend } from "../backend.ts";
import { WaitMemory } from "../wait_memory.ts";
import { WAIT_WORD } from "../../uapi/structs.ts";
import type { SyncObject } from "./object.ts";

/**
 * The memory of one wait and what the typed API knows of it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getBackend } from "../../select/registry.ts";
 * import { WaitSlot } from "./wait_slot.ts";
 * const slot = new WaitSlot(getBackend("emulated"));
 * assert.equal(slot.objs.length, 64);
 * assert.equal(slot.args.byteLength, 40);
 * assert.equal(slot.plain, true);
 * ```
 */
export class WaitSlot {
  /** The args and fd array, passed to `tryWait` and `waitAsync`. */
  readonly memory: WaitMemory;
  /** `ntsync_wait_args` (the memory's). */
  readonly args: DataView;
  /** The same 40 bytes as `__u32` words. */
  readonly words: Uint32Array;
  /** The fds waited on; `args.objs` points here. */
  readonly objs: Int32Array;
  /** The alert of the wait being prepared, for decoding and EINVAL diagnosis. */
  alert: SyncObject | undefined;
  /** The owner a wait carries when its options name none: the thread's id. */
  readonly threadId: number;
  /**
   * True while `flags`, `owner`, `alert` and `pad` hold a plain wait's
   * values (0, `threadId`, 0, 0) and `alert` is undefined, so a wait
   * without those options writes only `count`, `index` and `timeout`.
   * Whoever writes other values clears it; neither the kernel nor the
   * engine writes these fields (only `index`).
   */
  plain: boolean;
  /** Whether the async wait in this slot was a poll (timeout 0) as asked. */
  polls: boolean;

  /**
   * Allocate the slot's memory for `backend`.
   *
   * @param backend the backend the slot's waits go to
   */
  constructor(backend: Backend) {
    this.memory = new WaitMemory(backend);
    this.args = this.memory.args;
    this.words = this.memory.words;
    this.objs = this.memory.objs;
    this.alert = undefined;
    this.threadId = backend.threadId;
    this.plain = false;
    this.polls = false;
    this.makePlain();
  }

  /** Write a plain wait's flags, owner, alert and pad, and mark it `plain`. */
  makePlain(): void {
    const words = this.words;
    words[WAIT_WORD.pad] = 0;
    words[WAIT_WORD.flags] = 0;
    words[WAIT_WORD.owner] = this.threadId;
    words[WAIT_WORD.alert] = 0;
    this.alert = undefined;
    this.plain = true;
  }
}
