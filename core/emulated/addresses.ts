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
/** Addresses remembered (a loop's wait args, waited on in turn). */
const RECENT = 8;

interface Mapping {
  readonly start: number;
  readonly view: WeakRef<Int32Array | Uint32Array>;
}

/** One thread's address space for fd arrays. */
export class AddressSpace {
  #next = BASE;
  #byView = new WeakMap<Int32Array | Uint32Array, number>();
  #byStart = new Map<number, Mapping>();
  // The last few addresses, as the two 32-bit halves the caller read them
  // in (in a Float64Array: a double passed or kept in a field across calls
  // that V8 does not inline is boxed, i.e. allocated, on every wait), where
  // each is in its view, in bytes, and the view, held strongly: a loop that
  // waits on the same few arrays in turn skips the map and `WeakRef#deref`
  // (which also pins its target until the end of the job). It keeps a few
  // arrays alive a little longer, never a mapping that is gone: an address
  // maps to one view for good.
  readonly #recentHalves = new Float64Array(2 * RECENT).fill(-1);
  readonly #recentOffsets = new Float64Array(RECENT);
  readonly #recentViews: (Int32Array | Uint32Array | undefined)[] = new Array<
    Int32Array | Uint32Array | undefined
  >(RECENT).fill(undefined);
  #nextRecent = 0;
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
    // Waits in a loop reuse a few arrays: skip the map, and the arithmetic
    // on a 48-bit double, for a recent address.
    let view: Int32Array | Uint32Array | undefined, offset = 0;
    const halves = this.#recentHalves;
    for (let i = 0; i < RECENT; i++) {
      if (halves[2 * i] === lo && halves[2 * i + 1] === hi) {
        view = this.#recentViews[i];
        offset = this.#recentOffsets[i];
        break;
      }
    }
    if (view === undefined) {
      const address = hi * 0x1_0000_0000 + lo;
      const mapping = this.#byStart.get(address) ?? this.#containing(address);
      if (mapping === undefined) return false;
      view = mapping.view.deref();
      if (view === undefined) return false;
      offset = address - mapping.start;
      const i = this.#nextRecent;
      this.#nextRecent = i + 1 === RECENT ? 0 : i + 1;
      halves[2 * i] = lo;
      halves[2 * i + 1] = hi;
      this.#recentOffsets[i] = offset;
      this.#recentViews[i] = view;
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
