import assert from "node:assert/strict";
import { defineStruct, HOST_LITTLE_ENDIAN } from "./struct.ts";
import { SemArgs, WaitArgs } from "./structs.ts";

const Pair = defineStruct("pair", 16, 8, { a: [0, "u32"], big: [8, "u64"] });

function bytes(view: DataView): number[] {
  return [...new Uint8Array(view.buffer, view.byteOffset, view.byteLength)];
}

Deno.test("u32 fields: negative, fractional and too large are RangeErrors naming the field", () => {
  for (const count of [-1, 1.7, 2 ** 32, NaN, Infinity]) {
    assert.throws(() => SemArgs.alloc({ count, max: 1 }), {
      name: "RangeError",
      message:
        `ntsync_sem_args.count must be an integer in [0, 4294967295], got ${count}`,
    });
  }
  assert.equal(
    SemArgs.read(SemArgs.alloc({ count: 2 ** 32 - 1 })).count,
    2 ** 32 - 1,
  );
});

Deno.test("u32 fields: a value that is not a number is a TypeError", () => {
  for (
    const [a, shown] of [["1", '"1"'], [1n, "1n"], [null, "null"], [
      {},
      "an Object",
    ]] as const
  ) {
    assert.throws(() => Pair.alloc({ a: a as unknown as number }), {
      name: "TypeError",
      message: `pair.a must be a number (a __u32), got ${shown}`,
    });
  }
});

Deno.test("u64 fields: bigints in range, safe non-negative integers too", () => {
  const v = Pair.alloc({ big: 0xffff_ffff_ffff_ffffn });
  assert.equal(Pair.read(v).big, 0xffff_ffff_ffff_ffffn);
  Pair.write(v, { big: 5 as unknown as bigint });
  assert.equal(Pair.read(v).big, 5n);
  assert.throws(() => Pair.alloc({ big: -1n }), {
    name: "RangeError",
    message:
      /^pair\.big must be in \[0, 18446744073709551615\] \(a __u64\), got -1n$/,
  });
  assert.throws(() => Pair.alloc({ big: 1n << 64n }), RangeError);
  for (const bad of [-1, 0.5, 2 ** 53, "7"]) {
    assert.throws(() => Pair.alloc({ big: bad as unknown as bigint }), {
      name: "TypeError",
      message:
        /^pair\.big must be a bigint in \[0, 2\^64 - 1\] \(a __u64\), got /,
    });
  }
});

Deno.test("a key that is not a field is a TypeError naming it and the fields", () => {
  assert.throws(
    () => WaitArgs.alloc({ timout: 0n } as unknown as { timeout: bigint }),
    {
      name: "TypeError",
      message: 'ntsync_wait_args has no field "timout"; its fields are ' +
        "timeout, objs, count, index, flags, owner, alert, pad",
    },
  );
});

Deno.test("a failed write changes nothing, even where earlier fields were fine", () => {
  const view = SemArgs.alloc({ count: 3, max: 9 });
  const before = bytes(view);
  assert.throws(() => SemArgs.write(view, { count: 1, max: -1 }), RangeError);
  assert.throws(
    () =>
      SemArgs.write(view, { count: 1, mx: 2 } as unknown as { count: number }),
    TypeError,
  );
  assert.deepEqual(bytes(view), before);
});

Deno.test("fields are in host byte order, as the kernel's are", () => {
  const view = SemArgs.alloc({ count: 1 });
  assert.equal(new Uint32Array(view.buffer)[0], 1);
  assert.equal(new Uint8Array(view.buffer)[HOST_LITTLE_ENDIAN ? 0 : 3], 1);
});
