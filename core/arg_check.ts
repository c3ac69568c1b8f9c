/**
 * The one argument check both backends make before anything else: `arg`
 * is a view of memory, or `null`/`undefined` for a NULL pointer (which the
 * kernel faults on at its own point, EFAULT). Anything else (`{}`, a plain
 * array, a Proxy, a number) is a programming error, not a pointer: a
 * TypeError before any state changes.
 *
 * @module
 */

/**
 * Throw a TypeError naming `arg` unless it is an `ArrayBufferView`, `null`
 * or `undefined`.
 *
 * @example
 * ```ts
 * import { checkArg } from "./arg_check.ts";
 * checkArg(new Uint32Array(1), "ioctl"); // fine
 * checkArg(null, "ioctl"); // fine: EFAULT later, at the kernel's point
 * ```
 */
export function checkArg(arg: unknown, call: string): void {
  if (arg == null || ArrayBuffer.isView(arg)) return;
  throw new TypeError(
    `${call}: arg must be an ArrayBufferView (or null), got ${describe(arg)}`,
  );
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "a non-view object" : typeof value;
}
