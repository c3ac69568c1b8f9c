/**
 * Argument checks of the typed API and the errors they throw.
 *
 * The checks are written so that the common case costs one `typeof` and one
 * `>>> 0` comparison; building the message (the cold path) lives in separate
 * functions so the hot methods stay small enough to inline.
 *
 * @module
 */

/**
 * The largest `__u32`: the upper bound of every count, amount and owner.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { U32_MAX } from "./validate.ts";
 * assert.equal(U32_MAX, 2 ** 32 - 1);
 * ```
 */
export const U32_MAX = 0xFFFF_FFFF;

export { describe } from "../../uapi/describe.ts";
import { describe } from "../../uapi/describe.ts";

/**
 * The error for a value that failed the `__u32` check `(v >>> 0) === v` (or
 * its `min`-bounded variant): a `TypeError` for something that is not an
 * integer number at all, a `RangeError` for NaN, infinities and integers
 * outside `[min, 2^32-1]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { u32Error } from "./validate.ts";
 * const err = u32Error("release", "amount", -1, 0);
 * assert.ok(err instanceof RangeError);
 * assert.equal(err.message, "release: amount must be an integer in [0, 4294967295], got -1");
 * ```
 */
export function u32Error(
  op: string,
  name: string,
  value: unknown,
  min: number,
): TypeError | RangeError {
  const message =
    `${op}: ${name} must be an integer in [${min}, ${U32_MAX}], got ${
      describe(value)
    }`;
  if (typeof value !== "number") return new TypeError(message);
  if (Number.isFinite(value) && !Number.isInteger(value)) {
    return new TypeError(message);
  }
  return new RangeError(message);
}

/**
 * Check that `value` is an integer in `[min, 2^32-1]` and return it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkU32 } from "./validate.ts";
 * assert.equal(checkU32("createSemaphore", "max", 3, 0), 3);
 * assert.throws(() => checkU32("createSemaphore", "max", -1, 0), RangeError);
 * assert.throws(() => checkU32("createSemaphore", "max", 1.5, 0), TypeError); // not an integer
 * ```
 */
export function checkU32(
  op: string,
  name: string,
  value: unknown,
  min: number,
): number {
  if (typeof value !== "number" || (value >>> 0) !== value || value < min) {
    throw u32Error(op, name, value, min);
  }
  return value;
}

/**
 * Check a wait's relative `timeout` in milliseconds: a number `>= 0`
 * (`Infinity` meaning forever).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkTimeout } from "./validate.ts";
 * assert.equal(checkTimeout("waitAny", 10), 10);
 * assert.throws(() => checkTimeout("waitAny", -1), RangeError);
 * assert.throws(() => checkTimeout("waitAny", "10"), TypeError);
 * ```
 */
export function checkTimeout(op: string, value: unknown): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `${op}: options.timeout must be a number of milliseconds, got ${
        describe(value)
      }`,
    );
  }
  if (!(value >= 0)) {
    throw new RangeError(
      `${op}: options.timeout must be >= 0 (or Infinity), got ${value}`,
    );
  }
  return value;
}

/**
 * 2^64 - 1: the `timeout` value that means "wait forever".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { U64_MAX } from "./validate.ts";
 * assert.equal(U64_MAX, 2n ** 64n - 1n);
 * ```
 */
export const U64_MAX = 0xFFFF_FFFF_FFFF_FFFFn;

/**
 * Check a wait's absolute `deadline`: a bigint of ns in `[0, 2^64-1]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkDeadline } from "./validate.ts";
 * assert.equal(checkDeadline("waitAny", 5n), 5n);
 * assert.throws(() => checkDeadline("waitAny", 5), TypeError);
 * ```
 */
export function checkDeadline(op: string, value: unknown): bigint {
  if (typeof value !== "bigint") {
    throw new TypeError(
      `${op}: options.deadline must be a bigint of nanoseconds, got ${
        describe(value)
      }`,
    );
  }
  if (value < 0n || value > U64_MAX) {
    throw new RangeError(
      `${op}: options.deadline must be in [0, 2^64-1] ns, got ${value}n`,
    );
  }
  return value;
}

/**
 * The error for using an object (or device) after `close()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closedError } from "./validate.ts";
 * const err = closedError("release", "semaphore");
 * assert.ok(err instanceof TypeError);
 * assert.equal(err.message, "release: the semaphore is closed");
 * ```
 */
export function closedError(op: string, what: string): TypeError {
  return new TypeError(`${op}: the ${what} is closed`);
}

/** The option names an operation accepts, each mapped to `true`. */
export type OptionNames = Readonly<Record<string, true>>;

/**
 * Check that `options` names no option outside `allowed`: a misspelt key
 * (`{ timout: 0 }`) would otherwise be ignored silently, and the wait would
 * block forever. One `for...in` over the few keys an options object has.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkOptionNames } from "./validate.ts";
 * const WAIT = { owner: true, timeout: true } as const;
 * checkOptionNames("waitAny", { timeout: 0 }, WAIT); // fine
 * assert.throws(() => checkOptionNames("waitAny", { timout: 0 }, WAIT), {
 *   name: "TypeError",
 *   message:
 *     'waitAny: unknown option "timout" (did you mean "timeout"?); the options are owner, timeout',
 * });
 * ```
 *
 * @throws {TypeError} naming the first unknown key and the allowed ones.
 */
export function checkOptionNames(
  op: string,
  options: object,
  allowed: OptionNames,
): void {
  for (const key in options) {
    if (allowed[key] !== true) throw unknownOption(op, key, allowed);
  }
}

function unknownOption(
  op: string,
  key: string,
  allowed: OptionNames,
): TypeError {
  const names = Object.keys(allowed);
  const near = names.find((name) => editDistance(name, key) <= 2);
  return new TypeError(
    `${op}: unknown option ${JSON.stringify(key)}${
      near === undefined ? "" : ` (did you mean "${near}"?)`
    }; the options are ${names.join(", ")}`,
  );
}

/** Levenshtein distance, for "did you mean" (short names only: cold path). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        prev[j] + 1,
        row[j - 1] + 1,
        prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length];
}
