/**
 * Subprocess for addresses_test.ts (run with --expose-gc): an fd array that
 * was collected no longer resolves, and its registry entry goes away.
 *
 * @module
 */

import { AddressRegistry } from "../../ffi/addresses.ts";

const gc = (globalThis as unknown as { gc: () => void }).gc;
const reg = new AddressRegistry();
let view: Int32Array | undefined = new Int32Array(1024);
const at = reg.addressOf(view);
const before = reg.resolve(at, 1024) !== undefined;
view = undefined;
for (let i = 0; i < 50 && reg.size > 0; i++) {
  gc();
  await new Promise((r) => setTimeout(r, 5));
}
const after = reg.resolve(at, 1) !== undefined;
console.log(JSON.stringify({ before, after, size: reg.size }));
