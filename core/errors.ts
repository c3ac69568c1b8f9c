/**
 * The error the ioctl surface throws where `ioctl(2)` would return -1.
 *
 * @module
 */

import { Errno, type ErrnoName, errnoName } from "../uapi/errno.ts";

/**
 * A failed ntsync call: `errno` is the Linux x86-64 number the kernel would
 * set, `code` its name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NtsyncError } from "./errors.ts";
 * const err = new NtsyncError(22, "NTSYNC_IOC_CREATE_SEM");
 * assert.equal(err.code, "EINVAL");
 * assert.equal(err.message, "NTSYNC_IOC_CREATE_SEM: EINVAL (errno 22)");
 * const full = new NtsyncError(75, "release(5)", "count 2 + 5 exceeds max 3");
 * assert.equal(full.message, "release(5): EOVERFLOW: count 2 + 5 exceeds max 3 (errno 75)");
 * ```
 */
export class NtsyncError extends Error {
  /** The errno number, e.g. 22. */
  readonly errno: number;
  /** The errno name, e.g. `"EINVAL"`. */
  readonly code: string;

  /**
   * An error for `errno`, raised by `operation`.
   *
   * @param errno the Linux errno number
   * @param operation what failed, used in the message
   * @param detail what the numbers were, when the caller knows (e.g.
   * `"count 2 + 5 exceeds max 3"`), used in the message
   */
  constructor(errno: number, operation = "ntsync", detail?: string) {
    const code = errnoName(errno);
    super(
      detail === undefined
        ? `${operation}: ${code} (errno ${errno})`
        : `${operation}: ${code}: ${detail} (errno ${errno})`,
    );
    this.name = "NtsyncError";
    this.errno = errno;
    this.code = code;
  }

  /** True when `err` is an `NtsyncError` with the given errno name. */
  static is(err: unknown, code: ErrnoName): err is NtsyncError {
    return err instanceof NtsyncError && err.errno === Errno[code];
  }
}
