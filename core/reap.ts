/**
 * What both backends' `reap` share: checking its options, and the helper
 * that reaps a Worker before terminating it.
 *
 * @module
 */

import type { ReapOptions } from "./backend.ts";

/**
 * The owner ids whose mutexes a reap abandons: `threadId`, then
 * `options.owners` (each a nonzero u32).
 *
 * @throws {TypeError} when `options` or `options.owners` has the wrong shape.
 * @throws {RangeError} when an owner is not an integer in [1, 2^32-1].
 */
export function reapOwners(
  threadId: number,
  options: ReapOptions | undefined,
): number[] {
  const ids = [threadId];
  if (options === undefined) return ids;
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `reap: options must be an object, got ${String(options)}`,
    );
  }
  const { owners } = options;
  if (owners === undefined) return ids;
  if (!Array.isArray(owners)) {
    throw new TypeError(
      `reap: options.owners must be an array of owner ids, got ${
        String(owners)
      }`,
    );
  }
  for (let i = 0; i < owners.length; i++) {
    const id = owners[i];
    if (typeof id !== "number" || (id >>> 0) !== id || id === 0) {
      throw new RangeError(
        `reap: options.owners[${i}] must be an integer in [1, 4294967295], got ${
          String(id)
        }`,
      );
    }
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}
