/**
 * The model's idea of user memory: an argument view stands for a user
 * pointer whose readable and writable extent is the view's bytes. `null`, a
 * detached view (length 0) or a view shorter than the access is a fault
 * (EFAULT), and a faulting access touches no byte at all.
 *
 * @module
 */

import { HOST_LITTLE_ENDIAN } from "../../uapi/struct.ts";

/** A fault: the caller maps it to EFAULT at its point in the check order. */
export class ModelFault extends Error {
  constructor() {
    super("model: bad user address");
    this.name = "ModelFault";
  }
}

/** True when `arg` has at least `size` accessible bytes. */
export function accessible(
  arg: ArrayBufferView | null,
  size: number,
): arg is ArrayBufferView {
  return arg !== null && extent(arg) >= size;
}

/**
 * The bytes `arg` covers now. A typed array over a transferred (detached)
 * buffer reports 0; a DataView over one, or left out of bounds by a resize,
 * throws on `byteLength`: no bytes either.
 */
function extent(arg: ArrayBufferView): number {
  try {
    return arg.byteLength;
  } catch {
    return 0;
  }
}

function view(arg: ArrayBufferView | null, size: number): DataView {
  if (!accessible(arg, size)) throw new ModelFault();
  return new DataView(arg.buffer, arg.byteOffset, size);
}

/** `copy_from_user` of `size` bytes, decoded as `__u32` words. */
export function readWords(
  arg: ArrayBufferView | null,
  size: number,
): number[] {
  const v = view(arg, size);
  const words: number[] = [];
  for (let off = 0; off + 4 <= size; off += 4) {
    words.push(v.getUint32(off, HOST_LITTLE_ENDIAN));
  }
  return words;
}

/** `copy_from_user` of a `__u64` at `offset` (the caller checked the extent). */
export function readU64(arg: ArrayBufferView, offset: number): bigint {
  return new DataView(arg.buffer, arg.byteOffset, arg.byteLength)
    .getBigUint64(offset, HOST_LITTLE_ENDIAN);
}

/**
 * `copy_to_user` of `__u32` words at `offset`: all or nothing, as the
 * surface contract asks (a short view gets no partial write).
 */
export function writeWords(
  arg: ArrayBufferView | null,
  offset: number,
  words: readonly number[],
): void {
  const v = view(arg, offset + 4 * words.length);
  words.forEach((w, i) =>
    v.setUint32(offset + 4 * i, w >>> 0, HOST_LITTLE_ENDIAN)
  );
}
