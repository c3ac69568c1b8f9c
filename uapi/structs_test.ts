import assert from "node:assert/strict";
import { EventArgs, MutexArgs, SemArgs, WaitArgs } from "./structs.ts";
import { defineStruct } from "./struct.ts";

Deno.test("uapi: struct sizes and offsets are the header's", () => {
  assert.equal(SemArgs.size, 8);
  assert.deepEqual({ ...SemArgs.offsets }, { count: 0, max: 4 });
  assert.equal(MutexArgs.size, 8);
  assert.deepEqual({ ...MutexArgs.offsets }, { owner: 0, count: 4 });
  assert.equal(EventArgs.size, 8);
  assert.deepEqual({ ...EventArgs.offsets }, { manual: 0, signaled: 4 });
  assert.equal(WaitArgs.size, 40);
  assert.equal(WaitArgs.align, 8);
  assert.deepEqual({ ...WaitArgs.offsets }, {
    timeout: 0,
    objs: 8,
    count: 16,
    index: 20,
    flags: 24,
    owner: 28,
    alert: 32,
    pad: 36,
  });
});

Deno.test("uapi: codecs round-trip, host-endian, at an offset", () => {
  const buf = new DataView(new ArrayBuffer(48));
  const value = {
    timeout: 0xffff_ffff_ffff_ffffn,
    objs: 0x7e57_0000_1000n,
    count: 64,
    index: 0xdeadbeef,
    flags: 1,
    owner: 123,
    alert: 9,
    pad: 0,
  };
  WaitArgs.write(buf, value, 8);
  assert.deepEqual(WaitArgs.read(buf, 8), value);
  assert.equal(
    buf.getUint32(8 + 28, true),
    123,
    "owner at byte 28, little-endian",
  );
  const ev = EventArgs.alloc({ manual: 1 });
  assert.deepEqual(
    new Uint8Array(ev.buffer),
    new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]),
  );
});

Deno.test("uapi: write leaves fields it is not given alone", () => {
  const v = SemArgs.alloc({ count: 1, max: 2 });
  SemArgs.write(v, { max: 7 });
  assert.deepEqual(SemArgs.read(v), { count: 1, max: 7 });
});

Deno.test("uapi: defineStruct refuses misplaced fields", () => {
  assert.throws(() => defineStruct("bad", 8, 4, { a: [6, "u32"] }), RangeError);
  assert.throws(() => defineStruct("bad", 8, 8, { a: [4, "u64"] }), RangeError);
});
