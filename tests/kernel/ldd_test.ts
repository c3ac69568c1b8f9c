import assert from "node:assert/strict";
import { parseLdd } from "./ldd.ts";

// ldd of the deno 2.9.6 binary on Debian bookworm.
const DENO_LDD = `	linux-vdso.so.1 (0x00007f310796c000)
	libdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f3107955000)
	libgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x00007f3107935000)
	librt.so.1 => /lib/x86_64-linux-gnu/librt.so.1 (0x00007f3107930000)
	libpthread.so.0 => /lib/x86_64-linux-gnu/libpthread.so.0 (0x00007f310792b000)
	libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f310784b000)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f310181e000)
	/lib64/ld-linux-x86-64.so.2 (0x00007f310796e000)
`;

Deno.test("parseLdd lists the libraries and the loader, not the vDSO", () => {
  assert.deepEqual(parseLdd(DENO_LDD), [
    "/lib/x86_64-linux-gnu/libdl.so.2",
    "/lib/x86_64-linux-gnu/libgcc_s.so.1",
    "/lib/x86_64-linux-gnu/librt.so.1",
    "/lib/x86_64-linux-gnu/libpthread.so.0",
    "/lib/x86_64-linux-gnu/libm.so.6",
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib64/ld-linux-x86-64.so.2",
  ]);
});

Deno.test("parseLdd: static binaries have no libraries", () => {
  assert.deepEqual(parseLdd("\tnot a dynamic executable\n"), []);
  assert.deepEqual(parseLdd("\tstatically linked\n"), []);
});

Deno.test("parseLdd throws on a missing library", () => {
  assert.throws(
    () => parseLdd("\tlibfoo.so.1 => not found\n"),
    /libfoo\.so\.1 not found/,
  );
});

Deno.test("parseLdd drops duplicates", () => {
  assert.deepEqual(
    parseLdd(
      "\t/lib64/ld-linux-x86-64.so.2 (0x1)\n\t/lib64/ld-linux-x86-64.so.2 (0x2)\n",
    ),
    ["/lib64/ld-linux-x86-64.so.2"],
  );
});
