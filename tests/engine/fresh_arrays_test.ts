/**
 * A wait with a new `Int32Array` for its fds each time (the surface's
 * usual pattern) does not grow the heap, even in a thread that never
 * yields: a million of them, in a process of their own, may add at most a
 * few MB (each once held its array through a `WeakRef` until the thread
 * yielded: +440 MB). A control run that keeps every array must show the
 * growth, or the measurement is blind and the bound proves nothing.
 */

import assert from "node:assert/strict";

const ITERATIONS = 1_000_000;
const BOUND_BYTES = 8 * 1024 * 1024;

/** Heap growth over `ITERATIONS` waits, in a process of their own. */
async function growth(retain: boolean): Promise<number> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-check",
      "--v8-flags=--expose-gc",
      new URL("./_fresh_arrays.ts", import.meta.url).pathname,
      String(ITERATIONS),
      ...(retain ? ["retain"] : []),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const { warm, end, retained } = JSON.parse(
    new TextDecoder().decode(stdout),
  );
  assert.equal(retained, retain ? ITERATIONS + 100_000 : 0);
  return end - warm;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

Deno.test("the heap measurement sees a million retained fd arrays (positive control)", async () => {
  const grew = await growth(true);
  assert.ok(
    grew >= BOUND_BYTES,
    `heap grew only ${
      mb(grew)
    } with every array kept: the measurement is blind`,
  );
});

Deno.test("emulated: a million waits with fresh fd arrays keep the heap flat", async () => {
  const grew = await growth(false);
  assert.ok(
    grew < BOUND_BYTES,
    `heap grew ${mb(grew)} over ${ITERATIONS} waits`,
  );
});
