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
 * import { NtsyncError } from "./errors.ts";
 * const err = new NtsyncError(22, "NTSYNC_IOC_CREATE_SEM");
 * err.code; // "EINVAL"
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
   */
  constructor(errno: number, operation = "ntsync") {
    const code = errnoName(errno);
    super(`${operation}: ${code} (errno ${errno})`);
    this.name = "NtsyncError";
    this.errno = errno;
    this.code = code;
  }

  /** True when `err` is an `NtsyncError` with the given errno name. */
  static is(err: unknown, code: ErrnoName): err is NtsyncError {
    return err instanceof NtsyncError && err.errno === Errno[code];
  }
}
