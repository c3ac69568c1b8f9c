/**
 * Is an `ArrayBuffer` detached (transferred away, or its memory released)?
 *
 * `ArrayBuffer.prototype.detached` says so where it exists (Deno, Bun, Node
 * 22+); Node 20 lacks it. There, the feature test falls back to what every
 * engine does with a detached buffer: its length reads 0, and constructing
 * a view on it throws. A shared buffer is never detached.
 *
 * @module
 */

const HAS_DETACHED = "detached" in ArrayBuffer.prototype;

function detachedByProbe(buffer: ArrayBufferLike): boolean {
  if (buffer.byteLength !== 0) return false;
  try {
    new DataView(buffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * True when `buffer` is detached.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isDetached } from "./detached.ts";
 * const buf = new ArrayBuffer(8);
 * assert.equal(isDetached(buf), false);
 * structuredClone(buf, { transfer: [buf] });
 * assert.equal(isDetached(buf), true);
 * ```
 */
export function isDetached(buffer: ArrayBufferLike): boolean {
  if (HAS_DETACHED) return (buffer as ArrayBuffer).detached === true;
  return detachedByProbe(buffer);
}
