/**
 * Checking the arguments of `createSemaphore`, `createMutex` and
 * `createEvent` before anything reaches the backend: a RangeError or
 * TypeError naming the argument, where the kernel would give only EINVAL
 * (or, for a misspelt event option, nothing at all).
 *
 * @module
 */

import {
  checkOptionNames,
  checkU32,
  describe,
  type OptionNames,
} from "./validate.ts";
import type { EventOptions } from "./device_types.ts";

/** What `createEvent` accepts. */
const EVENT_OPTIONS: OptionNames = { manual: true, signaled: true };

/**
 * Check `createSemaphore(initial, max)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkSemaphoreArgs } from "./device_create.ts";
 * checkSemaphoreArgs(0, 1);
 * assert.throws(() => checkSemaphoreArgs(2, 1), RangeError);
 * assert.throws(() => checkSemaphoreArgs(-1, 1), RangeError);
 * ```
 *
 * @throws {RangeError} when a count is not an integer in [0, 2^32-1] or
 * `initial > max`.
 */
export function checkSemaphoreArgs(initial: number, max: number): void {
  const op = "createSemaphore";
  checkU32(op, "initial", initial, 0);
  checkU32(op, "max", max, 0);
  if (initial > max) {
    throw new RangeError(
      `${op}: initial (${initial}) must not exceed max (${max})`,
    );
  }
}

/**
 * Check `createMutex(owner, count)`: both 0 (unowned) or both nonzero.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkMutexArgs } from "./device_create.ts";
 * checkMutexArgs(0, 0);
 * checkMutexArgs(7, 2);
 * assert.throws(() => checkMutexArgs(7, 0), /at least 1/);
 * ```
 *
 * @throws {RangeError} when `owner`/`count` is not an integer in
 * [0, 2^32-1], or exactly one of them is 0.
 */
export function checkMutexArgs(owner: number, count: number): void {
  const op = "createMutex";
  checkU32(op, "owner", owner, 0);
  checkU32(op, "count", count, 0);
  if ((owner === 0) !== (count === 0)) {
    throw new RangeError(
      owner === 0
        ? `${op}: count must be 0 for an unowned mutex (owner 0), got ${count}`
        : `${op}: count must be at least 1 for a mutex owned by ${owner}, got 0`,
    );
  }
}

/**
 * `createEvent`'s options, checked, as the `ntsync_event_args` words
 * `[manual, signaled]` (0 or 1 each).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { eventArgs } from "./device_create.ts";
 * assert.deepEqual(eventArgs({ manual: true }), [1, 0]);
 * assert.throws(() => eventArgs({ manaul: true } as never), /did you mean/);
 * ```
 *
 * @throws {TypeError} when `manual`/`signaled` is given and not a boolean,
 * or `options` names another key.
 */
export function eventArgs(options: EventOptions): [number, number] {
  const op = "createEvent";
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `${op}: options must be an object, got ${describe(options)}`,
    );
  }
  checkOptionNames(op, options, EVENT_OPTIONS);
  const { manual = false, signaled = false } = options;
  if (typeof manual !== "boolean") {
    throw new TypeError(
      `${op}: options.manual must be a boolean, got ${describe(manual)}`,
    );
  }
  if (typeof signaled !== "boolean") {
    throw new TypeError(
      `${op}: options.signaled must be a boolean, got ${describe(signaled)}`,
    );
  }
  return [+manual, +signaled];
}
