/**
 * A wait with a new `Int32Array` for its fds each time (the surface's
 * usual pattern) does not grow the heap, even in a thread that never
 * yields: a million of them, in a process of their own, may add at most a
 * few MB (each once held its array through a `WeakRef` until the thread
 * yielded: +440 MB).
 */

import assert from "node:assert/strict";

const ITERATIONS = 1_000_000;
const BOUND_BYTES = 8 * 1024 * 1024;

Deno.test("emulated: a million waits with fresh fd arrays keep the heap flat", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-check",
      "--v8-flags=--expose-gc",
      new URL("./_fresh_arrays.ts", import.meta.url).pathname,
      String(ITERATIONS),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const { warm, end } = JSON.parse(new TextDecoder().decode(stdout));
  assert.ok(
    end - warm < BOUND_BYTES,
    `heap grew ${((end - warm) / 1e6).toFixed(1)} MB over ${ITERATIONS} waits`,
  );
});
