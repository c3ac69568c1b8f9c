/**
 * The caller's argument, of any `ArrayBufferView` kind, as a `DataView`
 * the backends read and write, without allocating one per call.
 *
 * Hot loops pass the same few typed arrays again and again, in any order (a
 * C port releases with a `Uint32Array` and waits with a `Uint8Array`): the
 * DataView made for each is remembered, in a few slots looked up by
 * identity (a couple of nanoseconds), and behind them in a `WeakMap` (for
 * loops over more arrays than there are slots). One remembered view would
 * make two alternating arrays evict each other on every call: an
 * allocation and 150 ns a call.
 *
 * A view of a resizable `ArrayBuffer` or a growable `SharedArrayBuffer` can
 * change length (a length-tracking typed array follows `resize()` and
 * `grow()`): a remembered DataView is used only while its length is the
 * argument's current one, else it is made again.
 *
 * @module
 */

import { isDetached } from "./detached.ts";

/**
 * Slots looked at before the WeakMap: more than a hot loop's mix (a view to
 * release with and one to wait with for each of 16 objects).
 */
const SLOTS = 32;

/**
 * An identity-keyed cache of a few slots (round-robin replacement) in front
 * of a `WeakMap` that holds every entry: a hit in the slots costs a few
 * compares, a hit in the WeakMap a hash lookup, and neither allocates. The
 * slots are looked at from the one filled last backwards: a loop's few
 * views, filled one after the other, are found in as many compares however
 * many slots there are.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IdentityCache } from "./arg_views.ts";
 * const cache = new IdentityCache<object, number>();
 * const key = {};
 * cache.set(key, 1);
 * assert.equal(cache.get(key), 1);
 * assert.equal(cache.get({}), undefined); // identity, not equality
 * ```
 */
export class IdentityCache<K extends object, V> {
  readonly #keys: (K | null)[] = new Array<K | null>(SLOTS).fill(null);
  readonly #values: (V | undefined)[] = new Array<V | undefined>(SLOTS).fill(
    undefined,
  );
  readonly #all = new WeakMap<K, V>();
  #next = 0;

  /** The value stored for `key`, or undefined. */
  get(key: K): V | undefined {
    const keys = this.#keys;
    // (A primitive key, never stored, misses: WeakMap.get answers undefined.)
    const last = this.#next - 1;
    for (let i = last; i >= 0; i--) {
      if (keys[i] === key) return this.#values[i];
    }
    return this.#getOlder(key, last);
  }

  /**
   * `get` past the slots filled since the last wrap: the older slots, then
   * the WeakMap (apart, so that a recent hit is small enough to inline).
   */
  #getOlder(key: K, last: number): V | undefined {
    const keys = this.#keys;
    for (let i = SLOTS - 1; i > last; i--) {
      if (keys[i] === key) return this.#values[i];
    }
    const value = this.#all.get(key);
    if (value !== undefined) this.#slot(key, value);
    return value;
  }

  /** Store `value` for `key` (held weakly beyond the last few keys used). */
  set(key: K, value: V): void {
    const keys = this.#keys;
    for (let i = 0; i < SLOTS; i++) {
      if (keys[i] === key) {
        this.#values[i] = value;
        this.#all.set(key, value);
        return;
      }
    }
    this.#slot(key, value);
    this.#all.set(key, value);
  }

  #slot(key: K, value: V): void {
    const i = this.#next;
    this.#next = i + 1 === SLOTS ? 0 : i + 1;
    this.#keys[i] = key;
    this.#values[i] = value;
  }
}

/**
 * Every view seen, to the DataView over its bytes: a DataView to itself, a
 * typed array over a buffer that cannot change length to one made for it.
 * Looked up by identity alone, so that a hit loads no property of a typed
 * array (whose kind varies: polymorphic loads are what made typed arrays
 * 1.6x DataViews).
 */
const fixed = new IdentityCache<object, DataView>();
/** Typed arrays over buffers that can change length, checked at each use. */
const resizable = new IdentityCache<ArrayBufferView, DataView>();

/**
 * Is `view` detached, or out of bounds of a shrunk resizable buffer? Then
 * reading its length throws: one check V8 inlines, where `buffer.detached`
 * is two calls it does not.
 */
export function outOfBounds(view: DataView): boolean {
  try {
    return view.byteLength < 0;
  } catch {
    return true;
  }
}

/**
 * The caller's argument as a DataView over the same bytes, or null where
 * the kernel would fault (not a view, or its buffer detached or the view
 * out of bounds). A DataView is itself; for a typed array, the DataView
 * made before for it while it covers the same bytes, else a new one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { argView } from "./arg_views.ts";
 * const words = new Uint32Array([7, 9]);
 * const view = argView(words)!;
 * assert.equal(view.getUint32(4, true), 9);
 * assert.equal(argView(words), view); // the same view over the same bytes
 * assert.equal(argView(null), null); // null is no memory: EFAULT
 * ```
 */
export function argView(arg: unknown): DataView | null {
  const known = fixed.get(arg as object);
  if (known !== undefined) return outOfBounds(known) ? null : known;
  return argViewMissed(arg);
}

/**
 * `argView` for an argument not among the fixed-length ones seen: apart,
 * so that the hit above is small enough for V8 to inline into every ioctl.
 */
function argViewMissed(arg: unknown): DataView | null {
  if (!ArrayBuffer.isView(arg)) return null;
  if (arg instanceof DataView) {
    if (outOfBounds(arg)) return null;
    fixed.set(arg, arg);
    return arg;
  }
  const buffer = arg.buffer as ArrayBuffer | SharedArrayBuffer;
  if (isDetached(buffer)) return null;
  const canResize = "resizable" in buffer ? buffer.resizable : buffer.growable;
  if (canResize) {
    const seen = resizable.get(arg);
    if (seen !== undefined && sameLength(seen, arg)) return seen;
  }
  const view = new DataView(buffer, arg.byteOffset, arg.byteLength);
  (canResize ? resizable : fixed).set(arg, view);
  return view;
}

/**
 * Does `view` still cover the same bytes as `arg`, a typed array over a
 * buffer that can change length? While both lengths agree (a DataView that
 * a shrink left out of bounds throws on `byteLength`: then not).
 */
function sameLength(view: DataView, arg: ArrayBufferView): boolean {
  try {
    return view.byteLength === arg.byteLength;
  } catch {
    return false;
  }
}
