/**
 * A device's waits, put together: encode (wait_encode.ts), call the backend,
 * decode (wait_decode.ts), again on EINTR. The blocking form uses the
 * device's one slot and `tryWait` (an outcome is a return value, so a poll
 * that times out costs no exception); the async form borrows a slot from
 * the device's pool for as long as the wait is pending. Both hand the
 * backend the slot's `WaitMemory`, which it finds without a lookup.
 *
 * @module
 */

import type { Device } from "./device.ts";
import type { SyncObject } from "./object.ts";
import { describe } from "./validate.ts";
import { decodeWait, decodeWaitReturn, signaledAt } from "./wait_decode.ts";
import { WAIT_WORD } from "../../uapi/structs.ts";
import { prepareWait } from "./wait_encode.ts";
import { WaitSlot } from "./wait_slot.ts";
import type {
  WaitAsyncOptions,
  WaitOptions,
  WaitResult,
} from "./wait_types.ts";

/** Async waits keep at most this many idle slots for reuse. */
const POOL_LIMIT = 8;

/**
 * A blocking wait of `device` (open: the caller checked) in `slot`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * import { waitBlocking } from "./device_wait.ts";
 * import { WaitSlot } from "./wait_slot.ts";
 * import { NTSYNC_IOC_WAIT_ANY } from "../../uapi/ioctl.ts";
 * using dev = openDevice("emulated");
 * using sem = dev.createSemaphore(1, 1);
 * const slot = new WaitSlot(dev.backend);
 * const r = waitBlocking(dev, slot, "waitAny", NTSYNC_IOC_WAIT_ANY, false, [sem], { timeout: 0 });
 * assert.deepEqual(r, { status: "signaled", index: 0 });
 * ```
 */
export function waitBlocking(
  device: Device,
  slot: WaitSlot,
  op: string,
  request: number,
  all: boolean,
  objects: readonly SyncObject[],
  options: WaitOptions | undefined,
): WaitResult {
  // (A `signal` in the options is refused there: blocking.)
  const count = prepareWait(device, slot, op, objects, options, true);
  const backend = device.backend;
  for (;;) {
    // No exception for an outcome: a poll that times out stays cheap.
    const r = backend.tryWait(device.fd, request, slot.memory);
    // The common outcome first, in a few instructions.
    if (r === 0 && slot.alert === undefined) {
      return signaledAt(slot.words[WAIT_WORD.index]);
    }
    const result = decodeWaitReturn(
      slot,
      op,
      objects,
      count,
      all,
      r,
      request,
    );
    if (result !== undefined) return result;
    // EINTR: again, with the same absolute timeout.
  }
}

/**
 * An async wait of `device` (open: the caller checked), in a slot of
 * `pool` (or a new one), given back to the pool when it ends.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * import { waitAsync } from "./device_wait.ts";
 * import type { WaitSlot } from "./wait_slot.ts";
 * import { NTSYNC_IOC_WAIT_ALL } from "../../uapi/ioctl.ts";
 * using dev = openDevice("emulated");
 * using sem = dev.createSemaphore(1, 1);
 * const pool: WaitSlot[] = [];
 * const r = await waitAsync(dev, pool, "waitAllAsync", NTSYNC_IOC_WAIT_ALL, true, [sem], {});
 * assert.deepEqual(r, { status: "signaled", index: 0 });
 * assert.equal(pool.length, 1); // its slot, kept for the next async wait
 * ```
 */
export async function waitAsync(
  device: Device,
  pool: WaitSlot[],
  op: string,
  request: number,
  all: boolean,
  objects: readonly SyncObject[],
  options: WaitAsyncOptions | undefined,
): Promise<WaitResult> {
  const signal = options?.signal;
  if (signal !== undefined) {
    if (!(signal instanceof AbortSignal)) {
      throw new TypeError(
        `${op}: options.signal must be an AbortSignal, got ${describe(signal)}`,
      );
    }
    signal.throwIfAborted();
  }
  // Each pending async wait needs its own memory: the backend may read it
  // after this function has returned to the event loop.
  const slot = pool.pop() ?? new WaitSlot(device.backend);
  try {
    const count = prepareWait(device, slot, op, objects, options);
    const ioctlOptions = signal ? { signal } : undefined;
    for (;;) {
      let result: WaitResult | undefined;
      try {
        await device.backend.waitAsync(
          device.fd,
          request,
          slot.memory,
          ioctlOptions,
        );
        result = decodeWait(slot, op, objects, count, all, undefined);
      } catch (err) {
        result = decodeWait(slot, op, objects, count, all, err);
      }
      if (result !== undefined) return result;
    }
  } finally {
    slot.alert = undefined;
    if (pool.length < POOL_LIMIT) pool.push(slot);
  }
}
