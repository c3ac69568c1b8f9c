/**
 * addressOf on the native backend: real addresses, remembered weakly, and
 * resolved only inside live, attached views with room for the entries.
 */

import assert from "node:assert/strict";
import { AddressRegistry, readFds } from "../../ffi/addresses.ts";
import { libc } from "../../ffi/libc.ts";

libc(); // loaded outside the tests: it stays loaded

Deno.test("addressOf is the view's real address, the same each time", () => {
  const reg = new AddressRegistry();
  const a = new Int32Array([1, 2, 3]);
  const b = new Uint32Array(new ArrayBuffer(32), 8, 2);
  const at = reg.addressOf(a);
  assert.equal(at, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(a))));
  assert.equal(reg.addressOf(a), at);
  const bt = reg.addressOf(b);
  assert.equal(
    bt -
      BigInt(
        Deno.UnsafePointer.value(
          Deno.UnsafePointer.of(new Uint8Array(b.buffer)),
        ),
      ),
    8n,
  );
  assert.equal(reg.size, 2);
});

Deno.test("addressOf takes only Int32Array or Uint32Array", () => {
  const reg = new AddressRegistry();
  for (
    const bad of [
      new Uint8Array(4),
      new Float32Array(1),
      new DataView(new ArrayBuffer(4)),
      [1],
      null,
      5n,
    ]
  ) {
    assert.throws(() => reg.addressOf(bad as unknown as Int32Array), TypeError);
  }
});

Deno.test("a detached view has no address, and its old one stops resolving", () => {
  const reg = new AddressRegistry();
  const a = new Int32Array(4);
  const at = reg.addressOf(a);
  assert.ok(reg.resolve(at, 4));
  a.buffer.transfer();
  assert.equal(reg.resolve(at, 1), undefined);
  assert.equal(reg.addressOf(new Int32Array(new ArrayBuffer(0))), 0n);
  const b = new Int32Array(2);
  b.buffer.transfer();
  assert.equal(reg.addressOf(b), 0n);
});

Deno.test("resolve: exact and interior addresses, with room for count entries only", () => {
  const reg = new AddressRegistry();
  const a = new Int32Array([10, 11, 12, 13]);
  const at = reg.addressOf(a);
  assert.deepEqual(reg.resolve(at, 4), { view: a, offset: 0 });
  assert.deepEqual(reg.resolve(at + 8n, 2), { view: a, offset: 8 });
  assert.equal(reg.resolve(at + 8n, 3), undefined);
  assert.equal(reg.resolve(at, 5), undefined);
  assert.equal(reg.resolve(at - 4n, 1), undefined);
  assert.equal(reg.resolve(at + 16n, 1), undefined);
  const out = new Int32Array(2);
  readFds(reg.resolve(at + 4n, 2)!, 2, out);
  assert.deepEqual([...out], [11, 12]);
});

Deno.test("two views over the same memory both resolve while either lives", () => {
  const reg = new AddressRegistry();
  const buf = new ArrayBuffer(16);
  const a = new Int32Array(buf, 0, 1);
  const b = new Uint32Array(buf);
  const at = reg.addressOf(a);
  assert.equal(reg.addressOf(b), at);
  assert.deepEqual(reg.resolve(at, 4), { view: b, offset: 0 }); // only b has room
});

Deno.test("a collected view stops resolving and leaves the registry", async () => {
  const fixture = new URL("./_gc_fixture.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--v8-flags=--expose-gc", "--allow-ffi", fixture],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(180_000), // slow under qemu TCG
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), {
    before: true,
    after: false,
    size: 0,
  });
});
