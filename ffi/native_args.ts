/**
 * What the native backend checks about a call before anything reaches the
 * kernel: which values are fds and request codes, how long a view is (and
 * whether it is usable at all), and the struct size of each ntsync request
 * (see the memory-safety notes in `native.ts`).
 *
 * @module
 */

import { NtsyncError } from "../core/errors.ts";
import { isDetached } from "../core/detached.ts";
import { Errno } from "../uapi/errno.ts";
import {
  NTSYNC_EVENT_ARGS_SIZE,
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_MUTEX_ARGS_SIZE,
  NTSYNC_SEM_ARGS_SIZE,
} from "../uapi/ioctl.ts";

/** The device node. */
export const NTSYNC_DEVICE_PATH = "/dev/ntsync";

/**
 * Struct size of every ntsync request other than the waits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FIXED_SIZE } from "./native_args.ts";
 * import { NTSYNC_IOC_SEM_RELEASE } from "../uapi/ioctl.ts";
 * assert.equal(FIXED_SIZE.get(NTSYNC_IOC_SEM_RELEASE), 4); // a __u32 count
 * ```
 */
export const FIXED_SIZE: ReadonlyMap<number, number> = new Map([
  [NTSYNC_IOC_CREATE_SEM, NTSYNC_SEM_ARGS_SIZE],
  [NTSYNC_IOC_SEM_RELEASE, 4],
  [NTSYNC_IOC_CREATE_MUTEX, NTSYNC_MUTEX_ARGS_SIZE],
  [NTSYNC_IOC_MUTEX_UNLOCK, NTSYNC_MUTEX_ARGS_SIZE],
  [NTSYNC_IOC_MUTEX_KILL, 4],
  [NTSYNC_IOC_CREATE_EVENT, NTSYNC_EVENT_ARGS_SIZE],
  [NTSYNC_IOC_EVENT_SET, 4],
  [NTSYNC_IOC_EVENT_RESET, 4],
  [NTSYNC_IOC_EVENT_PULSE, 4],
  [NTSYNC_IOC_SEM_READ, NTSYNC_SEM_ARGS_SIZE],
  [NTSYNC_IOC_MUTEX_READ, NTSYNC_MUTEX_ARGS_SIZE],
  [NTSYNC_IOC_EVENT_READ, NTSYNC_EVENT_ARGS_SIZE],
]);

/**
 * The `ESRCH` every call of a reaped attachment fails with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { esrch } from "./native_args.ts";
 * assert.equal(esrch("close").code, "ESRCH");
 * ```
 */
export function esrch(operation: string): NtsyncError {
  return new NtsyncError(Errno.ESRCH, operation);
}

/**
 * Whether `fd` can be an fd: an integer in [0, 2^31).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isFd } from "./native_args.ts";
 * assert.ok(isFd(3));
 * assert.ok(!isFd(-1) && !isFd(1.5) && !isFd(2 ** 31));
 * ```
 */
export function isFd(fd: unknown): fd is number {
  return typeof fd === "number" && Number.isInteger(fd) && fd >= 0 &&
    fd <= 0x7fff_ffff;
}

/**
 * The request as the kernel sees it (`unsigned int`), or undefined when it
 * is not an integer in [-2^31, 2^32) (C code may pass it as a signed int).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requestValue } from "./native_args.ts";
 * assert.equal(requestValue(-1), 0xffff_ffff);
 * assert.equal(requestValue(2 ** 32), undefined);
 * ```
 */
export function requestValue(request: unknown): number | undefined {
  if (
    typeof request !== "number" || !Number.isInteger(request) ||
    request < -0x8000_0000 || request > 0xffff_ffff
  ) return undefined;
  return request >>> 0;
}

/**
 * The view's length, or -1 when it is not a view, its buffer is detached,
 * or it is a DataView a resize left out of bounds (whose `byteLength`
 * throws).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { viewLength } from "./native_args.ts";
 * assert.equal(viewLength(new Uint32Array(2)), 8);
 * assert.equal(viewLength(null), -1);
 * ```
 */
export function viewLength(arg: unknown): number {
  if (!ArrayBuffer.isView(arg)) return -1;
  if (isDetached(arg.buffer)) return -1;
  try {
    return arg.byteLength;
  } catch {
    return -1;
  }
}

/**
 * The bytes `view` covers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bytesOf } from "./native_args.ts";
 * assert.equal(bytesOf(new Uint32Array(3).subarray(1)).byteLength, 8);
 * ```
 */
export function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
