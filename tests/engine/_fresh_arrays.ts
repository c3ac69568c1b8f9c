/**
 * For fresh_arrays_test.ts: `iterations` waits, each with a new
 * `Int32Array` for its fds and a new address for it, without yielding to
 * the event loop (as a Worker blocked in a wait loop never does). Prints the
 * heap used (after a full GC) once warm and at the end, as JSON. With
 * `retain`, every array is also kept in a list: the positive control, a leak
 * the measurement must see.
 *
 * Run: `deno run --v8-flags=--expose-gc tests/engine/_fresh_arrays.ts <iterations> [retain]`
 *
 * @module
 */

import { getBackend, NTSYNC_IOC_WAIT_ANY, WAIT, WaitArgs } from "../../mod.ts";
import { HOST_LITTLE_ENDIAN as LE } from "../../uapi/struct.ts";
import { createEvent } from "../../conformance/ops.ts";

const gc = (globalThis as unknown as { gc: () => void }).gc;
const iterations = Number(Deno.args[0]);
const retained: Int32Array[] | null = Deno.args[1] === "retain" ? [] : null;
const nt = getBackend("emulated");
const dev = nt.open();
const ev = createEvent(nt, dev, true, true); // manual, signaled: acquired at once
const args = WaitArgs.alloc({ timeout: 0n, count: 1, owner: 1 });

function waits(n: number): void {
  for (let i = 0; i < n; i++) {
    const objs = new Int32Array([ev]);
    retained?.push(objs);
    args.setBigUint64(WAIT.objs, nt.addressOf(objs), LE);
    if (nt.tryIoctl!(dev, NTSYNC_IOC_WAIT_ANY, args) !== 0) {
      throw new Error("the wait failed");
    }
  }
}

waits(100_000);
gc();
const warm = Deno.memoryUsage().heapUsed;
waits(iterations);
gc();
const end = Deno.memoryUsage().heapUsed;
console.log(JSON.stringify({ warm, end, retained: retained?.length ?? 0 }));
