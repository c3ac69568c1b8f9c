/**
 * `addressOf` for the native backend: the real address of an fd array, and
 * the registry that lets a wait check, before the kernel reads `objs`, that
 * the address points into a live view handed out here with room for
 * `count` entries. Anything else would make the kernel read whatever memory
 * sits there; the backend turns it into EFAULT instead.
 *
 * Views are held weakly (a view nobody else holds is collected and its
 * address stops resolving, like a dangling pointer); a detached or shrunk
 * buffer shows as a shorter `byteLength` and fails the room check. Backing
 * stores do not move in V8 once their address has been taken (small
 * on-heap arrays are moved off the heap when their address is taken), so the
 * address is computed once per view.
 *
 * @module
 */

import { HOST_LITTLE_ENDIAN as LE } from "../uapi/struct.ts";
import { libc } from "./libc.ts";

/** An fd array `addressOf` accepts. */
export type FdArray = Int32Array | Uint32Array;

interface Mapping {
  readonly start: bigint;
  readonly view: WeakRef<FdArray>;
}

/** Where `count` fds at an address live: the view and the byte offset. */
export interface Resolved {
  /** The live view the address points into. */
  readonly view: FdArray;
  /** Byte offset of the address from the start of `view`. */
  readonly offset: number;
}

/** One thread's registry of fd-array addresses. */
export class AddressRegistry {
  readonly #address: (view: FdArray) => bigint;
  #byView = new WeakMap<FdArray, bigint>();
  #byStart = new Map<bigint, Mapping[]>();
  #finalizer = new FinalizationRegistry<Mapping>((m) => this.#forget(m));

  /**
   * @param address the address of a view's first byte (`0n` for none);
   * default: this thread's libc
   */
  constructor(address: (view: FdArray) => bigint = (v) => libc().addressOf(v)) {
    this.#address = address;
  }

  /**
   * The address of `view`'s first element, remembered for {@linkcode resolve}.
   * A view with no memory (detached, or empty and unbacked) is `0n`.
   *
   * @throws {TypeError} when `view` is not an Int32Array or Uint32Array.
   */
  addressOf(view: FdArray): bigint {
    if (!(view instanceof Int32Array || view instanceof Uint32Array)) {
      throw new TypeError(
        "addressOf: objs must be an Int32Array or Uint32Array",
      );
    }
    const known = this.#byView.get(view);
    if (known !== undefined) return known;
    const start = this.#address(view);
    if (start === 0n) return 0n;
    const mapping: Mapping = { start, view: new WeakRef(view) };
    this.#byView.set(view, start);
    const list = this.#byStart.get(start);
    if (list) list.push(mapping);
    else this.#byStart.set(start, [mapping]);
    this.#finalizer.register(view, mapping);
    return start;
  }

  /**
   * The live view holding `count` 32-bit entries at `address`, or undefined
   * when that memory is not entirely inside one view from addressOf that is
   * still alive and attached.
   */
  resolve(address: bigint, count: number): Resolved | undefined {
    const bytes = count * 4;
    const exact = this.#byStart.get(address);
    if (exact) {
      for (const m of exact) {
        const view = m.view.deref();
        if (view !== undefined && bytes <= view.byteLength) {
          return { view, offset: 0 };
        }
      }
    }
    // An interior pointer (`addressOf(objs) + 4n * i`, as `&objs[i]` in C).
    for (const list of this.#byStart.values()) {
      for (const m of list) {
        if (address <= m.start) continue;
        const view = m.view.deref();
        if (view === undefined) continue;
        const offset = address - m.start;
        if (offset + BigInt(bytes) <= BigInt(view.byteLength)) {
          return { view, offset: Number(offset) };
        }
      }
    }
    return undefined;
  }

  /** How many views are registered (for tests). */
  get size(): number {
    let n = 0;
    for (const list of this.#byStart.values()) n += list.length;
    return n;
  }

  #forget(m: Mapping): void {
    const list = this.#byStart.get(m.start);
    if (!list) return;
    const i = list.indexOf(m);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#byStart.delete(m.start);
  }
}

/** Copy `count` fds at `r` into `out` (host-endian 32-bit entries). */
export function readFds(r: Resolved, count: number, out: Int32Array): void {
  const { view, offset } = r;
  const dv = new DataView(view.buffer, view.byteOffset + offset, count * 4);
  for (let i = 0; i < count; i++) out[i] = dv.getInt32(i * 4, LE);
}
