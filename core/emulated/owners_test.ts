import assert from "node:assert/strict";
import { addOwner, ownerSlot } from "./owners.ts";
import { MX_SLOTS } from "./layout.ts";

const registry = () => new Int32Array(new SharedArrayBuffer(MX_SLOTS * 4 + 64));

Deno.test("owner registry: an owner keeps its slot; any int32 but 0 is an owner", () => {
  const i32 = registry(), base = 16;
  for (const owner of [1, 2, -1, 0x7fff_ffff, -0x8000_0000, 0x1234_5678]) {
    assert.equal(ownerSlot(i32, base, owner), 0, `${owner} before`);
    const slot = addOwner(i32, base, owner);
    assert.ok(slot >= 1 && slot < MX_SLOTS, `${owner}: slot ${slot}`);
    assert.equal(addOwner(i32, base, owner), slot, "added twice: same slot");
    assert.equal(ownerSlot(i32, base, owner), slot);
    assert.equal(i32[base + slot], owner);
  }
  // Word 0 is no owner's slot: it counts the owners added.
  assert.equal(i32[base], 6, "six owners added");
});

Deno.test("owner registry: owners that collide probe on; past its probes an owner gets none", () => {
  const i32 = registry(), base = 0;
  const slots = new Map<number, number>();
  let refused = 0;
  for (let owner = 1; owner <= 4 * MX_SLOTS; owner++) {
    const slot = addOwner(i32, base, owner);
    if (slot === 0) {
      refused++;
      assert.equal(ownerSlot(i32, base, owner), 0);
      continue;
    }
    assert.ok(!slots.has(slot), `slot ${slot} given twice`);
    slots.set(slot, owner);
  }
  // Every slot found an owner, none twice, and the rest were refused.
  assert.equal(slots.size, MX_SLOTS - 1);
  assert.equal(refused, 4 * MX_SLOTS - (MX_SLOTS - 1));
  for (const [slot, owner] of slots) {
    assert.equal(ownerSlot(i32, base, owner), slot);
  }
});
