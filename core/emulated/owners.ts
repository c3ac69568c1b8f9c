/**
 * The owner registry: the owner ids a mutex's EVENT_STATE word can name in
 * fast form (layout.ts, MX_SLOT). A mutex lock or unlock without the device
 * lock has to change the owner and the version in one compare-and-swap, and
 * an owner id is 32 bits: the word holds its slot here instead.
 *
 * An open-addressed table of MX_SLOTS words in shared memory (word 0, which
 * no owner uses, counts the owners added since the table was last emptied).
 * Only a holder of the device lock adds an owner (an atomic store into a
 * free slot); an entry does not change while a mutex's word names it, so
 * any thread that found a slot in a word it read may trust the entry. An
 * owner whose probes all find other owners gets no slot at first: the lock
 * holder then empties the table once enough owners came since it last did
 * (`DeviceTables#reclaimOwners`: every mutex is pinned first, which takes
 * each out of fast form, so no word names a slot, and a lock-free swap
 * prepared before fails on the new version), and the owner gets a slot
 * after all. Entries outlive a device lock section that is undone (they
 * mean nothing until a mutex names them); emptying the table is journaled.
 *
 * @module
 */

import { MX_SLOTS } from "./layout.ts";

/**
 * Owners added since the table was last emptied before an owner with no
 * room may empty it again: emptying pins every mutex of the device, so it
 * is paid for by this many lock-free owners at the least.
 */
export const RECLAIM_AFTER = MX_SLOTS / 2;

/** Slots tried per owner before giving up. */
const PROBES = 8;

/** The shift that leaves a hash's top bits, as many as index MX_SLOTS. */
const HASH_SHIFT = 32 - Math.log2(MX_SLOTS);

/**
 * Where `owner`'s probes start: 1..MX_SLOTS-1 (slot 0 means "none"). The
 * top bits of a multiplicative hash, a small integer: a modulo of the full
 * 32-bit product would be a double's, several times the cost of the lookup.
 */
function home(owner: number): number {
  return (Math.imul(owner, 0x9e3779b1) >>> HASH_SHIFT) || 1;
}

/** The next slot to probe after `slot`, skipping 0. */
function next(slot: number): number {
  return slot === MX_SLOTS - 1 ? 1 : slot + 1;
}

/**
 * `owner`'s slot in the registry at word `base` of `i32`, or 0 when it has
 * none. Without the lock.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addOwner, ownerSlot } from "./owners.ts";
 * import { MX_SLOTS } from "./layout.ts";
 * const i32 = new Int32Array(new SharedArrayBuffer(MX_SLOTS * 4));
 * assert.equal(ownerSlot(i32, 0, 42), 0);
 * const slot = addOwner(i32, 0, 42);
 * assert.ok(slot > 0);
 * assert.equal(ownerSlot(i32, 0, 42), slot);
 * assert.equal(i32[slot], 42);
 * ```
 */
export function ownerSlot(
  i32: Int32Array,
  base: number,
  owner: number,
): number {
  let slot = home(owner);
  for (let n = PROBES; n > 0; n--) {
    const there = Atomics.load(i32, base + slot);
    if (there === owner) return slot;
    if (there === 0) return 0;
    slot = next(slot);
  }
  return 0;
}

/**
 * `owner`'s slot (nonzero `owner`, as an int32), added if it has none and
 * one of its probes is free; 0 when the registry has no room for it. Only
 * under the device lock.
 */
export function addOwner(i32: Int32Array, base: number, owner: number): number {
  let slot = home(owner);
  for (let n = PROBES; n > 0; n--) {
    const there = i32[base + slot];
    if (there === owner) return slot;
    if (there === 0) {
      Atomics.store(i32, base + slot, owner);
      i32[base] = i32[base] + 1; // owners added (only under the lock)
      return slot;
    }
    slot = next(slot);
  }
  return 0;
}
