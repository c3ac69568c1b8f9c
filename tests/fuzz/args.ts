/**
 * Argument buffers for the fuzz runner: the struct's bytes laid out in a
 * buffer pre-filled with a marker byte, presented in one of the
 * {@linkcode ArgShape}s, and read back afterwards so that every byte a call
 * wrote (or failed to write) is compared, not only the decoded fields.
 *
 * @module
 */

import type { ArgShape } from "./ops.ts";

/** The byte every argument buffer is filled with before the struct. */
export const MARKER = 0xa5;

/** Build the struct into `bytes` (already marker-filled, little-endian). */
export type Fill = (view: DataView) => void;

/**
 * A view presenting `size` bytes of struct (built by `fill`) in `shape`.
 * `null` for the `null` shape.
 */
export function makeArg(
  shape: ArgShape,
  size: number,
  fill: Fill,
): ArrayBufferView | null {
  if (shape === "null") return null;
  const content = new Uint8Array(size + 8).fill(MARKER);
  fill(new DataView(content.buffer, 0, size));
  switch (shape) {
    case "exact":
      return content.slice(0, size);
    case "dataview":
      return new DataView(content.slice(0, size).buffer);
    case "u32":
      return new Uint32Array(content.slice(0, size).buffer);
    case "long":
      return content;
    case "off1":
    case "off3": {
      const offset = shape === "off1" ? 1 : 3;
      const backing = new Uint8Array(size + 8 + offset).fill(MARKER);
      backing.set(content, offset);
      return backing.subarray(offset, offset + size + 4);
    }
    case "shared": {
      const shared = new Uint8Array(new SharedArrayBuffer(size));
      shared.set(content.subarray(0, size));
      return shared;
    }
    case "short":
      return content.slice(0, Math.max(0, size - 1));
    case "empty":
      return new Uint8Array(0);
    case "detached": {
      const view = content.slice(0, size);
      view.buffer.transfer();
      return view;
    }
  }
}

/** The bytes a view covers now (empty for `null` or a detached view). */
export function bytesOf(arg: ArrayBufferView | null): Uint8Array {
  // A detached buffer cannot even be viewed: it has no bytes.
  if (arg === null || arg.byteLength === 0) return new Uint8Array(0);
  return new Uint8Array(arg.buffer, arg.byteOffset, arg.byteLength).slice();
}
