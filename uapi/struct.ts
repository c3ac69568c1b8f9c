/**
 * A tiny declarative codec for fixed-layout C structs over `DataView`.
 *
 * Fields are host-endian, as the kernel's `__u32`/`__u64` are; the module
 * runs on little-endian hosts (x86-64, aarch64) and says so if it is not.
 *
 * @module
 */

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

/**
 * Define a codec for a struct of `size` bytes with the given field layout.
 *
 * @example
 * ```ts
 * import { defineStruct } from "./struct.ts";
 * const Pair = defineStruct("pair", 8, 4, { a: [0, "u32"], b: [4, "u32"] });
 * const view = Pair.alloc({ a: 1, b: 2 });
 * Pair.read(view); // { a: 1, b: 2 }
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
      for (const [field, [offset, type]] of entries) {
        const v = value[field];
        if (v === undefined) continue;
        if (type === "u64") view.setBigUint64(base + offset, BigInt(v), le);
        else view.setUint32(base + offset, Number(v), le);
      }
    },
    alloc(value: Partial<Decoded<L>> = {}): DataView {
      const view = new DataView(new ArrayBuffer(size));
      this.write(view, value);
      return view;
    },
  });
}
