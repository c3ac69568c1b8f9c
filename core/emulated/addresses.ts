/**
 * `addressOf` for the emulated backend: made-up user addresses for fd
 * arrays, and the check that an address handed to a wait is one of them.
 *
 * Each view gets its own address range (so `addressOf(objs) + 4n` is
 * `&objs[1]`, as in C). Views are held weakly: an address whose view was
 * collected, or whose buffer was detached or shrunk, no longer resolves and
 * the wait fails with EFAULT, as a dangling pointer would.
 *
 * @module
 */

/** Where the made-up addresses start: looks like a user pointer, fits a double. */
const BASE = 0x7e57_0000_0000;
const GAP = 4096;

interface Mapping {
  readonly start: number;
  readonly view: WeakRef<Int32Array | Uint32Array>;
}

/** One thread's address space for fd arrays. */
export class AddressSpace {
  #next = BASE;
  #byView = new WeakMap<Int32Array | Uint32Array, number>();
  #byStart = new Map<number, Mapping>();
  // The last address, as the two 32-bit halves the caller read it in: a
  // double passed or kept across calls that V8 does not inline is boxed,
  // i.e. allocated, on every wait.
  #lastLo = -1;
  #lastHi = -1;
  /** Where the last address is in its view, in bytes. */
  #lastOffset = 0;
  /**
   * The view behind the last address, held strongly: a loop that waits on the
   * same array skips `WeakRef#deref` (which also pins its target until the
   * end of the job). It keeps one array alive a little longer, never a
   * mapping that is gone: an address maps to one view for good.
   */
  #lastView: Int32Array | Uint32Array | undefined;
  #finalizer = new FinalizationRegistry<number>((start) => {
    this.#byStart.delete(start);
  });

  /** The address of `view` (the same one every time for the same view). */
  addressOf(view: Int32Array | Uint32Array): bigint {
    if (!(view instanceof Int32Array || view instanceof Uint32Array)) {
      throw new TypeError(
        "addressOf: objs must be an Int32Array or Uint32Array",
      );
    }
    let start = this.#byView.get(view);
    if (start === undefined) {
      start = this.#next;
      // Reserve the view's possible full length (a resizable buffer may grow).
      const span = Math.max(view.byteLength, 4);
      this.#next += Math.ceil(span / GAP) * GAP + GAP;
      this.#byView.set(view, start);
      this.#byStart.set(start, { start, view: new WeakRef(view) });
      this.#finalizer.register(view, start);
    }
    return BigInt(start);
  }

  /**
   * Copy the `count` fds at the address `hi * 2^32 + lo` into `out`; false if
   * that memory is not (all) inside one live view from addressOf: the
   * caller's EFAULT.
   */
  read(lo: number, hi: number, count: number, out: Int32Array): boolean {
    // Waits in a loop reuse one array: skip the map, and the arithmetic on
    // a 48-bit double, for the last address.
    let view: Int32Array | Uint32Array | undefined, offset: number;
    if (lo === this.#lastLo && hi === this.#lastHi) {
      view = this.#lastView!;
      offset = this.#lastOffset;
    } else {
      const address = hi * 0x1_0000_0000 + lo;
      const mapping = this.#byStart.get(address) ?? this.#containing(address);
      if (mapping === undefined) return false;
      view = mapping.view.deref();
      if (view === undefined) return false;
      offset = address - mapping.start;
      this.#lastLo = lo;
      this.#lastHi = hi;
      this.#lastOffset = offset;
      this.#lastView = view;
    }
    if (offset + count * 4 > view.byteLength) return false;
    if ((offset & 3) === 0) {
      // Whole elements (Int32Array or Uint32Array: the same bits in `out`).
      const first = offset >> 2;
      for (let i = 0; i < count; i++) out[i] = view[first + i];
      return true;
    }
    const dv = new DataView(view.buffer, view.byteOffset + offset, count * 4);
    for (let i = 0; i < count; i++) out[i] = dv.getInt32(i * 4, true);
    return true;
  }

  #containing(address: number): Mapping | undefined {
    for (const mapping of this.#byStart.values()) {
      if (address > mapping.start && address < mapping.start + 0x1_0000_0000) {
        const view = mapping.view.deref();
        if (view && address < mapping.start + view.byteLength) return mapping;
      }
    }
    return undefined;
  }
}
