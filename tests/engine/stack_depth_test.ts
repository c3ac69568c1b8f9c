/**
 * No call leaves the emulated device locked or half-changed, whatever it
 * throws: _depth_sweep.ts calls everything at stack depths near the limit
 * and audits the device after each call. Optimized code inlines most of
 * the engine into one frame, so a RangeError lands inside it only at a
 * few points; the sweep also runs with V8's inlining off and with the
 * interpreter alone, where every call is a frame and every frame a point
 * where it can land.
 */

import assert from "node:assert/strict";

const FLAG_SETS = [
  [],
  ["--max-inlined-bytecode-size=0"],
  ["--no-opt", "--no-maglev", "--no-sparkplug"],
];

for (const flags of FLAG_SETS) {
  Deno.test(
    `an exception at any stack depth leaves the device unlocked and whole (${
      flags.join(" ") || "default V8 flags"
    })`,
    async () => {
      const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-read",
          ...(flags.length ? [`--v8-flags=${flags.join(",")}`] : []),
          new URL("./_depth_sweep.ts", import.meta.url).pathname,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(stdout).trim();
      assert.equal(code, 0, `${out}\n${new TextDecoder().decode(stderr)}`);
      const { landed, calls, perCall } = JSON.parse(out.split("\n").at(-1)!);
      console.log(
        `${landed} RangeErrors landed inside ${calls} calls`,
        perCall,
      );
      assert.ok(landed > 0, "no RangeError landed inside a call");
    },
  );
}
