/**
 * How a rejected value is shown in an error message, shared by the codecs
 * and the typed API (not part of the public exports).
 *
 * @module
 */

/**
 * A rejected value for a message: strings quoted, bigints with their `n`,
 * objects by their constructor with the right article.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describe } from "./describe.ts";
 * assert.equal(describe("1"), '"1"');
 * assert.equal(describe(5n), "5n");
 * assert.equal(describe({}), "an Object");
 * assert.equal(describe(new Map()), "a Map");
 * assert.equal(describe(Object.create(null)), "an object");
 * ```
 */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol") return value.toString();
  if (value === null || typeof value !== "object") return String(value);
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  if (!name) return "an object";
  return `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}`;
}
