/**
 * `addressOf` for the emulated backend: made-up user addresses for fd
 * arrays, and the check that an address handed to a wait is one of them.
 *
 * Each view gets its own address range (so `addressOf(objs) + 4n` is
 * `&objs[1]`, as in C), never handed out again in this thread, and ranges
 * of different devices never overlap: an address from another device (or
 * another backend) names nothing here, and the wait fails with EFAULT, as a
 * pointer into unmapped memory would.
 *
 * Memory stays flat however many views get an address (a wait with a fresh
 * `Int32Array` each time is the common pattern): the space keeps a fixed
 * number of mappings, and when it is full it drops the one least recently
 * used (a clock: a mapping used by a wait or `addressOf` since the hand
 * last passed is spared once). A dropped address faults like a freed
 * pointer; calling `addressOf` again on its view gives it a new one. Views
 * are held strongly while mapped, with no `WeakRef` per view: a `WeakRef`
 * keeps its target alive until the thread yields to its event loop, which
 * a thread blocked in waits never does.
 *
 * @module
 */

/** Where the made-up addresses start: looks like a user pointer, fits a double. */
const BASE = 0x7e57_0000_0000;
const GAP = 4096;
/** Mappings one address space keeps (each holds its view). */
export const MAPPINGS = 1024;
/** Addresses remembered for reads (a loop's wait args, waited on in turn). */
const RECENT = 8;

type FdArray = Int32Array | Uint32Array;

/**
 * The next start handed out in this thread, shared by every device's space.
 * Threads start at different multiples of 2^32 (a random one of 256), so
 * that an address another thread made is unlikely to name a view here.
 */
let nextStart = BASE + Math.floor(Math.random() * 256) * 0x1_0000_0000;

/** How long `view` can ever be, in bytes: it may grow with its buffer. */
function reach(view: FdArray): number {
  const buffer = view.buffer as ArrayBuffer & { growable?: boolean };
  if (buffer.resizable || buffer.growable) {
    return Math.max(buffer.maxByteLength - view.byteOffset, view.byteLength);
  }
  return view.byteLength;
}

/** `count` fds from byte `offset` of `view`, not at a whole element. */
function copyUnaligned(
  view: FdArray,
  offset: number,
  count: number,
  out: Int32Array,
): true {
  const dv = new DataView(view.buffer, view.byteOffset + offset, count * 4);
  for (let i = 0; i < count; i++) out[i] = dv.getInt32(i * 4, true);
  return true;
}

/** One thread's address space for one device's fd arrays. */
export class AddressSpace {
  /** Per mapping: its view (undefined: free). */
  readonly #views: (FdArray | undefined)[] = new Array(MAPPINGS).fill(
    undefined,
  );
  /** Per mapping: its start address. */
  readonly #starts = new Float64Array(MAPPINGS);
  /** Per mapping: used since the clock hand last passed. */
  readonly #used = new Uint8Array(MAPPINGS);
  #hand = 0;
  readonly #byView = new WeakMap<FdArray, number>();
  readonly #byStart = new Map<number, number>();
  // The last few addresses read, as the two 32-bit halves the caller read
  // them in (a double passed or kept across calls that V8 does not inline
  // is boxed, i.e. allocated, on every wait), with their mapping and where
  // each is in its view: loops that wait on a few arrays in turn skip the
  // map. -1 halves: an empty entry.
  readonly #recentHalves = new Float64Array(2 * RECENT).fill(-1);
  readonly #recentSlots = new Int32Array(RECENT).fill(-1);
  readonly #recentOffsets = new Float64Array(RECENT);
  #nextRecent = 0;

  /** The address of `view` (the same one every time while it stays mapped). */
  addressOf(view: FdArray): bigint {
    if (!(view instanceof Int32Array || view instanceof Uint32Array)) {
      throw new TypeError(
        "addressOf: objs must be an Int32Array or Uint32Array",
      );
    }
    let slot = this.#byView.get(view);
    if (slot === undefined) slot = this.#map(view);
    this.#used[slot] = 1;
    return BigInt(this.#starts[slot]);
  }

  #map(view: FdArray): number {
    const slot = this.#evict();
    const start = nextStart;
    // Reserve the view's possible full length: a view of a resizable or
    // growable buffer may grow up to the buffer's maxByteLength, and a later
    // mapping must not start inside it (its addresses would alias).
    const span = Math.max(reach(view), 4);
    nextStart += Math.ceil(span / GAP) * GAP + GAP;
    this.#views[slot] = view;
    this.#starts[slot] = start;
    this.#byView.set(view, slot);
    this.#byStart.set(start, slot);
    return slot;
  }

  /** A free mapping: the first the clock hand finds unused since it passed. */
  #evict(): number {
    const used = this.#used, views = this.#views;
    for (;;) {
      const slot = this.#hand;
      this.#hand = (slot + 1) % MAPPINGS;
      if (used[slot] !== 0) {
        used[slot] = 0;
        continue;
      }
      const old = views[slot];
      if (old !== undefined) {
        this.#byView.delete(old);
        this.#byStart.delete(this.#starts[slot]);
        views[slot] = undefined;
        this.#forgetRecent(slot);
      }
      return slot;
    }
  }

  /**
   * Copy the `count` fds at the address `hi * 2^32 + lo` into `out`; false if
   * that memory is not (all) inside one mapped view: the caller's EFAULT.
   */
  read(lo: number, hi: number, count: number, out: Int32Array): boolean {
    const halves = this.#recentHalves;
    for (let i = 0; i < RECENT; i++) {
      if (halves[2 * i] === lo && halves[2 * i + 1] === hi) {
        return this.#copy(
          this.#recentSlots[i],
          this.#recentOffsets[i],
          count,
          out,
        );
      }
    }
    return this.#readMapped(lo, hi, count, out);
  }

  /**
   * `read` of an address not among the recent ones: found in the maps, and
   * remembered. Apart, so that a recent address's read (the common case)
   * is small enough for V8 to inline.
   */
  #readMapped(lo: number, hi: number, count: number, out: Int32Array): boolean {
    const address = hi * 0x1_0000_0000 + lo;
    const slot = this.#byStart.get(address) ?? this.#containing(address);
    if (slot < 0) return false;
    const offset = address - this.#starts[slot];
    const i = this.#nextRecent;
    this.#nextRecent = i + 1 === RECENT ? 0 : i + 1;
    this.#recentHalves[2 * i] = lo;
    this.#recentHalves[2 * i + 1] = hi;
    this.#recentSlots[i] = slot;
    this.#recentOffsets[i] = offset;
    return this.#copy(slot, offset, count, out);
  }

  /**
   * Copy `count` fds from byte `offset` of mapping `slot` into `out` (and
   * mark the mapping used); false if they run past its view's end.
   */
  #copy(slot: number, offset: number, count: number, out: Int32Array): boolean {
    this.#used[slot] = 1;
    const view = this.#views[slot]!;
    if (offset + count * 4 > view.byteLength) return false;
    if ((offset & 3) !== 0) return copyUnaligned(view, offset, count, out);
    // Whole elements (Int32Array or Uint32Array: the same bits in `out`).
    const first = offset >> 2;
    for (let i = 0; i < count; i++) out[i] = view[first + i];
    return true;
  }

  /** Drop the recent entries of a mapping being reused. */
  #forgetRecent(slot: number): void {
    for (let i = 0; i < RECENT; i++) {
      if (this.#recentSlots[i] === slot) {
        this.#recentSlots[i] = -1;
        this.#recentHalves[2 * i] = this.#recentHalves[2 * i + 1] = -1;
      }
    }
  }

  /** The mapping whose view holds `address` (an interior pointer), or -1. */
  #containing(address: number): number {
    const views = this.#views, starts = this.#starts;
    for (let slot = 0; slot < MAPPINGS; slot++) {
      const view = views[slot];
      if (view === undefined) continue;
      const start = starts[slot];
      if (address > start && address < start + view.byteLength) return slot;
    }
    return -1;
  }
}
