/**
 * Decoding a wait: what the kernel's return value or errno means as a
 * {@linkcode WaitResult} (a value, never an exception, for every outcome),
 * EINTR as "again", and a wait-all's EINVAL explained when the arguments
 * show why. Results are preallocated and frozen, so a wait that succeeds
 * allocates nothing.
 *
 * @module
 */

import { NtsyncError } from "../errors.ts";
import { Errno } from "../../uapi/errno.ts";
import { NTSYNC_MAX_WAIT_COUNT, requestLabel } from "../../uapi/ioctl.ts";
import { WAIT_WORD } from "../../uapi/structs.ts";
import type { SyncObject } from "./object.ts";
import type { WaitResult, WaitTimedOut } from "./wait_types.ts";
import type { WaitSlot } from "./wait_slot.ts";

function frozenResults<S extends "signaled" | "abandoned" | "alerted">(
  status: S,
): readonly { readonly status: S; readonly index: number }[] {
  const out = [];
  for (let index = 0; index <= NTSYNC_MAX_WAIT_COUNT; index++) {
    out.push(Object.freeze({ status, index }));
  }
  // The array itself is not frozen: optimized code loads a frozen array's
  // elements through V8's generic keyed-load stub, a call on every wait
  // that succeeds. The array never leaves this module.
  return out;
}

const SIGNALED = frozenResults("signaled");
const ABANDONED = frozenResults("abandoned");
const ALERTED = frozenResults("alerted");
const TIMED_OUT: WaitTimedOut = Object.freeze({ status: "timeout" });

/**
 * The result of a wait that returned 0 (`err` undefined) or threw `err`:
 * `undefined` means "retry" (EINTR); errors that are not outcomes are
 * rethrown, an EINVAL explained when the arguments show why.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getBackend } from "../../select/registry.ts";
 * import { decodeWait } from "./wait_decode.ts";
 * import { WaitSlot } from "./wait_slot.ts";
 * const slot = new WaitSlot(getBackend("emulated"));
 * slot.words[5] = 0; // index
 * assert.deepEqual(decodeWait(slot, "waitAny", [], 1, false, undefined), {
 *   status: "signaled",
 *   index: 0,
 * });
 * ```
 */
export function decodeWait(
  slot: WaitSlot,
  op: string,
  objects: readonly SyncObject[],
  count: number,
  all: boolean,
  err: unknown,
): WaitResult | undefined {
  if (err === undefined) return acquired(slot, count, all);
  if (!(err instanceof NtsyncError)) throw err;
  const result = outcome(slot, err.errno);
  if (result !== null) return result;
  throw notAnOutcome(op, objects, slot, all, err);
}

/**
 * As {@linkcode decodeWait}, for a wait that returned `r` from
 * `Backend.tryIoctl`: 0, or the negated errno. An error that is not an
 * outcome is thrown as the `NtsyncError` `ioctl` would have thrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getBackend } from "../../select/registry.ts";
 * import { decodeWaitReturn } from "./wait_decode.ts";
 * import { WaitSlot } from "./wait_slot.ts";
 * import { NTSYNC_IOC_WAIT_ANY } from "../../uapi/ioctl.ts";
 * const slot = new WaitSlot(getBackend("emulated"));
 * const r = decodeWaitReturn(slot, "waitAny", [], 1, false, -110, NTSYNC_IOC_WAIT_ANY);
 * assert.deepEqual(r, { status: "timeout" }); // -110 is -ETIMEDOUT
 * ```
 */
export function decodeWaitReturn(
  slot: WaitSlot,
  op: string,
  objects: readonly SyncObject[],
  count: number,
  all: boolean,
  r: number,
  request: number,
): WaitResult | undefined {
  if (r >= 0) return acquired(slot, count, all);
  const result = outcome(slot, -r);
  if (result !== null) return result;
  const err = new NtsyncError(-r, requestLabel(request));
  throw notAnOutcome(op, objects, slot, all, err);
}

/**
 * The result of a wait that acquired the object at `index` (not the alert):
 * preallocated, so that the common outcome allocates nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { signaledAt } from "./wait_decode.ts";
 * assert.deepEqual(signaledAt(2), { status: "signaled", index: 2 });
 * assert.equal(signaledAt(2), signaledAt(2));
 * ```
 */
export function signaledAt(index: number): WaitResult {
  return SIGNALED[index];
}

/** What a wait that returned 0 acquired: an object, or the alert. */
function acquired(slot: WaitSlot, count: number, all: boolean): WaitResult {
  const index = slot.words[WAIT_WORD.index];
  if (index === count && slot.alert !== undefined && !(all && count === 0)) {
    return ALERTED[index];
  }
  return SIGNALED[index];
}

/**
 * What a wait that failed with `errno` means: its result, `undefined` to
 * retry (EINTR), or null when it is an error to throw.
 */
function outcome(slot: WaitSlot, errno: number): WaitResult | undefined | null {
  switch (errno) {
    case Errno.ETIMEDOUT:
      return TIMED_OUT;
    case Errno.EOWNERDEAD:
      return ABANDONED[slot.words[WAIT_WORD.index]];
    case Errno.EINTR:
      return undefined;
    default:
      return null;
  }
}

/** The error to throw for a wait's `err`: a wait-all's EINVAL explained. */
function notAnOutcome(
  op: string,
  objects: readonly SyncObject[],
  slot: WaitSlot,
  all: boolean,
  err: NtsyncError,
): Error {
  if (all && err.errno === Errno.EINVAL) {
    return explainDuplicate(op, objects, slot.alert) ?? err;
  }
  return err;
}

/** Why a wait-all was EINVAL when its arguments passed the typed checks. */
function explainDuplicate(
  op: string,
  objects: readonly SyncObject[],
  alert: SyncObject | undefined,
): TypeError | undefined {
  for (let j = 0; j < objects.length; j++) {
    for (let i = 0; i < j; i++) {
      if (objects[i].fd === objects[j].fd) {
        return new TypeError(
          `${op}: objects[${j}] is the same object as objects[${i}] (a wait-all cannot name an object twice)`,
        );
      }
    }
    if (alert !== undefined && alert.fd === objects[j].fd) {
      return new TypeError(
        `${op}: options.alert is also objects[${j}] (a wait-all cannot name an object twice)`,
      );
    }
  }
  return undefined;
}
