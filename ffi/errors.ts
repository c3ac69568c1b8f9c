/**
 * Why the native backend cannot be used, in a form tools can act on.
 *
 * @module
 */

/**
 * The machine-readable cause of a {@linkcode NativeUnavailableError}:
 * - `"no-device"`: no `/dev/ntsync` here (no driver, or not Linux);
 * - `"permission"`: the device exists but this process may not open it;
 * - `"no-ffi"`: Deno was not given (unscoped) `--allow-ffi`;
 * - `"no-libc"`: the C library could not be loaded;
 * - `"other"`: anything else (the message and `errno` say what).
 */
export type NativeUnavailableReason =
  | "no-device"
  | "permission"
  | "no-ffi"
  | "no-libc"
  | "other";

/**
 * Thrown by `openNativeBackend()` (and so by `getBackend("native")`) when the
 * real driver cannot be used; `getBackend("auto")` reports its message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NativeUnavailableError } from "./errors.ts";
 * const err = new NativeUnavailableError("no-device", "no /dev/ntsync", 2);
 * assert.equal(err.reason, "no-device");
 * assert.ok(err instanceof Error);
 * ```
 */
export class NativeUnavailableError extends Error {
  /** Why, as a stable keyword. */
  readonly reason: NativeUnavailableReason;
  /** The errno of the failing call, when one failed (e.g. 2 for ENOENT). */
  readonly errno?: number;

  /**
   * An error saying why the native backend cannot be used.
   *
   * @param reason the stable keyword
   * @param message what happened and what to do, for people
   * @param errno the errno of the failing call, if any
   * @param cause the underlying error, if any
   */
  constructor(
    reason: NativeUnavailableReason,
    message: string,
    errno?: number,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "NativeUnavailableError";
    this.reason = reason;
    if (errno !== undefined) this.errno = errno;
  }
}
