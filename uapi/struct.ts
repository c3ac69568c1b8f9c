/**
 * A tiny declarative codec for fixed-layout C structs over `DataView`.
 *
 * Fields are in host byte order, as the kernel's `__u32`/`__u64` are: the
 * codec writes with {@linkcode HOST_LITTLE_ENDIAN}, so it is right on either
 * kind of host. Writes are checked: a field that is not an integer in its
 * C type's range is a `RangeError` naming the field (the kernel would take
 * the wrapped bits, which is never what the caller meant), a key that is
 * not a field a `TypeError` naming it and the fields there are. A failed
 * write changes nothing.
 *
 * @module
 */

import { describe } from "./describe.ts";

/** True when this machine stores integers little-endian (every Deno target). */
export const HOST_LITTLE_ENDIAN: boolean =
  new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The C type of one struct field. */
export type FieldType = "u32" | "u64";

/** The JavaScript value of a field type: `u32` as number, `u64` as bigint. */
export type FieldValue<F extends FieldType> = F extends "u64" ? bigint
  : number;

/** A struct layout: each field's byte offset and C type. */
export type Layout = Record<string, readonly [offset: number, type: FieldType]>;

/** The decoded value of a struct with layout `L`. */
export type Decoded<L extends Layout> = {
  [K in keyof L]: FieldValue<L[K][1]>;
};

/** Encoder/decoder for one C struct. */
export interface StructCodec<L extends Layout> {
  /** The C name, e.g. `"ntsync_wait_args"`. */
  readonly name: string;
  /** `sizeof` the struct in bytes. */
  readonly size: number;
  /** `alignof` the struct in bytes. */
  readonly align: number;
  /** Byte offset of every field. */
  readonly offsets: { readonly [K in keyof L]: number };
  /** Decode the struct at `byteOffset` of `view`. */
  read(view: DataView, byteOffset?: number): Decoded<L>;
  /** Encode `value` at `byteOffset` of `view`; fields left out are not touched. */
  write(view: DataView, value: Partial<Decoded<L>>, byteOffset?: number): void;
  /** A zeroed `DataView` of exactly `size` bytes holding `value`. */
  alloc(value?: Partial<Decoded<L>>): DataView;
}

const U32_MAX = 0xffff_ffff;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

function checkField(
  struct: string,
  field: string,
  type: FieldType,
  v: unknown,
): void {
  if (type === "u32") {
    if (typeof v !== "number") {
      throw new TypeError(
        `${struct}.${field} must be a number (a __u32), got ${describe(v)}`,
      );
    }
    if (!Number.isInteger(v) || v < 0 || v > U32_MAX) {
      throw new RangeError(
        `${struct}.${field} must be an integer in [0, ${U32_MAX}], got ${v}`,
      );
    }
    return;
  }
  if (typeof v === "bigint") {
    if (v < 0n || v > U64_MAX) {
      throw new RangeError(
        `${struct}.${field} must be in [0, ${U64_MAX}] (a __u64), got ${v}n`,
      );
    }
    return;
  }
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return;
  throw new TypeError(
    `${struct}.${field} must be a bigint in [0, 2^64 - 1] (a __u64), got ${
      describe(v)
    }`,
  );
}

function unknownField(
  struct: string,
  key: string,
  entries: readonly [string, unknown][],
): never {
  throw new TypeError(
    `${struct} has no field ${JSON.stringify(key)}; its fields are ${
      entries.map(([f]) => f).join(", ")
    }`,
  );
}

/**
 * Define a codec for a struct of `size` bytes with the given field layout.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineStruct } from "./struct.ts";
 * const Pair = defineStruct("pair", 8, 4, { a: [0, "u32"], b: [4, "u32"] });
 * const view = Pair.alloc({ a: 1, b: 2 });
 * assert.equal(view.byteLength, 8);
 * assert.deepEqual(Pair.read(view), { a: 1, b: 2 });
 * ```
 */
export function defineStruct<const L extends Layout>(
  name: string,
  size: number,
  align: number,
  layout: L,
): StructCodec<L> {
  const entries = Object.entries(layout) as [
    keyof L & string,
    readonly [number, FieldType],
  ][];
  for (const [field, [offset, type]] of entries) {
    const width = type === "u64" ? 8 : 4;
    if (offset % width !== 0 || offset + width > size) {
      throw new RangeError(`${name}.${field}: bad offset ${offset}`);
    }
  }
  const offsets = Object.freeze(
    Object.fromEntries(entries.map(([k, [o]]) => [k, o])),
  ) as { readonly [K in keyof L]: number };
  const le = HOST_LITTLE_ENDIAN;
  return Object.freeze({
    name,
    size,
    align,
    offsets,
    read(view: DataView, base = 0): Decoded<L> {
      const out: Record<string, number | bigint> = {};
      for (const [field, [offset, type]] of entries) {
        out[field] = type === "u64"
          ? view.getBigUint64(base + offset, le)
          : view.getUint32(base + offset, le);
      }
      return out as Decoded<L>;
    },
    write(view: DataView, value: Partial<Decoded<L>>, base = 0): void {
      // Check everything before the first byte is written.
      for (const key in value) {
        if (!Object.hasOwn(layout, key)) unknownField(name, key, entries);
      }
      for (const [field, [, type]] of entries) {
        const v = value[field];
        if (v !== undefined) checkField(name, field, type, v);
      }
      for (const [field, [offset, type]] of entries) {
        const v = value[field];
        if (v === undefined) continue;
        if (type === "u64") view.setBigUint64(base + offset, BigInt(v), le);
        else view.setUint32(base + offset, v as number, le);
      }
    },
    alloc(value: Partial<Decoded<L>> = {}): DataView {
      const view = new DataView(new ArrayBuffer(size));
      this.write(view, value);
      return view;
    },
  });
}
