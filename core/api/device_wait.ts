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
import { Errno } from "../../uapi/errno.ts";
import { prepareWait } from "./wait_encode.ts";
import { WaitSlot } from "./wait_slot.ts";
import type {
  WaitAsyncOptions,
  WaitOptions,
  WaitResult,
} from "./wait_types.ts";

/**
 * A poll of the wait prepared in `slot` (its timeout set to 0 for the call,
 * then put back): `tryWait`'s result. `slot.polls` tells whether the wait
 * was a poll anyway.
 */
function poll(device: Device, slot: WaitSlot, request: number): number {
  const words = slot.words;
  const low = words[WAIT_WORD.timeout], high = words[WAIT_WORD.timeout + 1];
  slot.polls = low === 0 && high === 0;
  words[WAIT_WORD.timeout] = 0;
  words[WAIT_WORD.timeout + 1] = 0;
  try {
    return device.backend.tryWait(device.fd, request, slot.memory);
  } finally {
    words[WAIT_WORD.timeout] = low;
    words[WAIT_WORD.timeout + 1] = high;
  }
}

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
  // No exception for an outcome: a poll that times out stays cheap.
  const r = device.backend.tryWait(device.fd, request, slot.memory);
  // The common outcome first, in a few instructions; the rest apart, so
  // that this is small enough for V8 to inline into each wait.
  if (r === 0 && slot.alert === undefined) {
    return signaledAt(slot.words[WAIT_WORD.index]);
  }
  return waitOutcome(device, slot, op, request, all, objects, count, r);
}

/**
 * What the blocking wait in `slot` that returned `r` (not a plain 0) comes
 * to: its decoded result, after trying again on EINTR.
 */
function waitOutcome(
  device: Device,
  slot: WaitSlot,
  op: string,
  request: number,
  all: boolean,
  objects: readonly SyncObject[],
  count: number,
  r: number,
): WaitResult {
  for (;;) {
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
    r = device.backend.tryWait(device.fd, request, slot.memory);
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
export function waitAsync(
  device: Device,
  pool: WaitSlot[],
  op: string,
  request: number,
  all: boolean,
  objects: readonly SyncObject[],
  options: WaitAsyncOptions | undefined,
): Promise<WaitResult> {
  // Not an async function: a wait that need not wait settles with one
  // promise, where each async layer would add its own (a plain function,
  // so every error still arrives as a rejection).
  let slot: WaitSlot | undefined;
  try {
    const signal = options?.signal;
    if (signal !== undefined) {
      if (!(signal instanceof AbortSignal)) {
        throw new TypeError(
          `${op}: options.signal must be an AbortSignal, got ${
            describe(signal)
          }`,
        );
      }
      signal.throwIfAborted();
    }
    // Each pending async wait needs its own memory: the backend may read it
    // after this function has returned to the event loop.
    slot = pool.pop() ?? new WaitSlot(device.backend);
    const count = prepareWait(device, slot, op, objects, options);
    // What is free now is taken right here, by a poll: the kernel's attempt
    // at wait start, without a trip through the backend's async machinery.
    // Only an outcome other than a timeout ends the wait here; else it is
    // made as it was asked, and tries again at its start.
    const polled = poll(device, slot, request);
    if (polled !== -Errno.ETIMEDOUT || slot.polls) {
      const result = decodeWaitReturn(
        slot,
        op,
        objects,
        count,
        all,
        polled,
        request,
      );
      if (result !== undefined) {
        giveBack(pool, slot);
        return Promise.resolve(result);
      }
    }
    const pending = waitPending(device, pool, slot, op, request, all, objects, {
      count,
      signal,
    });
    slot = undefined; // the pending wait gives it back
    return pending;
  } catch (err) {
    if (slot !== undefined) giveBack(pool, slot);
    return Promise.reject(err);
  }
}

/** Put `slot` back in `pool` (up to POOL_LIMIT idle slots). */
function giveBack(pool: WaitSlot[], slot: WaitSlot): void {
  slot.alert = undefined;
  if (pool.length < POOL_LIMIT) pool.push(slot);
}

/**
 * The async wait prepared in `slot` that the poll did not end: through the
 * backend's `waitAsync`, again on EINTR; `slot` goes back to `pool` after.
 */
async function waitPending(
  device: Device,
  pool: WaitSlot[],
  slot: WaitSlot,
  op: string,
  request: number,
  all: boolean,
  objects: readonly SyncObject[],
  { count, signal }: { count: number; signal: AbortSignal | undefined },
): Promise<WaitResult> {
  try {
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
    giveBack(pool, slot);
  }
}
