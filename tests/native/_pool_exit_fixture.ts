/**
 * Subprocess for pool_test.ts: one job on the thread's pool, then the end of
 * the program. It must exit by itself (idle workers are unref'd).
 *
 * @module
 */

import { waitPool } from "../../ffi/wait_pool.ts";
import { cString, libc } from "../../ffi/libc.ts";

const s = libc().symbols;
const fd = s.open(cString("/dev/null"), 0x80000);
const o = await waitPool().run({
  fd,
  request: 0xc0284e82,
  args: new Uint8Array(40),
  objs: null,
  sliced: false,
}).done;
s.close(fd);
console.log("done", o.errno, waitPool().stats().idle > 0);
