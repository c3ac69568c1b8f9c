/**
 * Memory for many waits, made once: an `ntsync_wait_args` and the 64-entry
 * fd array its `objs` points at, registered with one backend. A wait made
 * in it goes through {@linkcode Backend.tryWait} or
 * {@linkcode Backend.waitAsync}, which find the memory without looking its
 * views up (the engine otherwise finds a wait's words and its fd array by
 * identity and by address, a few lookups a wait), and which always find its
 * fd array at its address, even where an address from `addressOf` can be
 * dropped (the emulated backend keeps the 1024 most recent). The typed API
 * and the NT layer make every wait in one of these.
 *
 * @module
 */

import type { Backend } from "./backend.ts";
import { NTSYNC_MAX_WAIT_COUNT, NTSYNC_WAIT_ARGS_SIZE } from "../uapi/ioctl.ts";
import { HOST_LITTLE_ENDIAN as LE } from "../uapi/struct.ts";
import { WAIT } from "../uapi/structs.ts";

/**
 * An `ntsync_wait_args` (`args`, the same bytes as host-endian words in
 * `words`) whose `objs` holds the address of `objs`, a 64-entry fd array,
 * for `backend`. Frozen: the views and the address stay what they were
 * made as. Write the wait into `words` (or `args`) and `objs`, then call
 * `backend.tryWait(deviceFd, request, memory)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getBackend, NTSYNC_IOC_CREATE_SEM, NTSYNC_IOC_WAIT_ANY, WAIT_WORD, WaitMemory } from "../mod.ts";
 * const nt = getBackend("emulated");
 * const dev = nt.open();
 * const sem = nt.ioctl(dev, NTSYNC_IOC_CREATE_SEM, new Uint32Array([1, 1]));
 * const memory = new WaitMemory(nt);
 * memory.objs[0] = sem;
 * memory.words[WAIT_WORD.count] = 1;
 * memory.words[WAIT_WORD.owner] = nt.threadId; // timeout 0: a poll
 * assert.equal(nt.tryWait(dev, NTSYNC_IOC_WAIT_ANY, memory), 0);
 * assert.equal(nt.tryWait(dev, NTSYNC_IOC_WAIT_ANY, memory), -110); // -ETIMEDOUT
 * nt.close(sem);
 * nt.close(dev);
 * ```
 */
export class WaitMemory {
  /** The backend whose `addressOf` gave `objs` its address. */
  readonly backend: Backend;
  /** The 40-byte `ntsync_wait_args`. */
  readonly args: DataView;
  /** The same 40 bytes as ten host-endian `__u32` words (see `WAIT_WORD`). */
  readonly words: Uint32Array;
  /** The fd array; `args.objs` holds its address. */
  readonly objs: Int32Array;
  /** The low 32 bits of `objs`'s address, as stored in `args.objs`. */
  readonly objsLow: number;
  /** The high 32 bits of `objs`'s address. */
  readonly objsHigh: number;
  /** Only WaitMemory's constructor makes one (see `isOf`). */
  readonly #brand = true;

  /**
   * Allocate the memory and store the fd array's address in `args.objs`;
   * every other field of the args is 0.
   *
   * @param backend the backend the waits go to
   */
  constructor(backend: Backend) {
    const buffer = new ArrayBuffer(NTSYNC_WAIT_ARGS_SIZE);
    this.backend = backend;
    this.args = new DataView(buffer);
    this.words = new Uint32Array(buffer);
    this.objs = new Int32Array(NTSYNC_MAX_WAIT_COUNT);
    const address = backend.addressOf(this.objs);
    this.args.setBigUint64(WAIT.objs, address, LE);
    this.objsLow = Number(address & 0xFFFF_FFFFn);
    this.objsHigh = Number(address >> 32n);
    Object.freeze(this);
  }

  /**
   * Is `value` a WaitMemory made for `backend`? A private-field check: no
   * look at the prototype chain, and no object that only looks like one.
   */
  static isOf(value: unknown, backend: Backend): value is WaitMemory {
    return WaitMemory.is(value) && value.backend === backend;
  }

  /** Is `value` a WaitMemory (of any backend)? */
  static is(value: unknown): value is WaitMemory {
    return typeof value === "object" && value !== null && #brand in value;
  }
}

/**
 * `memory`'s `args`, for a backend that takes a wait in a WaitMemory as its
 * args alone; a TypeError naming `call` when it is not a WaitMemory at all.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getBackend } from "../select/registry.ts";
 * import { argsOf, WaitMemory } from "./wait_memory.ts";
 * const memory = new WaitMemory(getBackend("emulated"));
 * assert.equal(argsOf("tryWait", memory), memory.args);
 * assert.throws(() => argsOf("tryWait", {}), /tryWait: memory must be a WaitMemory/);
 * ```
 */
export function argsOf(call: string, memory: unknown): DataView {
  if (WaitMemory.is(memory)) return memory.args;
  throw new TypeError(
    `${call}: memory must be a WaitMemory (new WaitMemory(backend)), got ${
      memory === null ? "null" : typeof memory
    }`,
  );
}
