import assert from "node:assert/strict";
import { describeSwitch, SWITCH_NAMES, switchesIn } from "./switches.ts";

Deno.test("switchesIn: only the known switches, in a fixed order, values kept", () => {
  const found = switchesIn(
    "WINE_DISABLE_FAST_SYNC=1\0PATH=/bin\0PROTON_USE_NTSYNC=1\0WINENTSYNC=0\0=odd\0",
  );
  assert.deepEqual(found.map((s) => [s.name, s.value, s.disables]), [
    ["PROTON_USE_NTSYNC", "1", false],
    ["WINENTSYNC", "0", true],
    ["WINE_DISABLE_FAST_SYNC", "1", true],
  ]);
  assert.deepEqual(switchesIn(""), []);
});

Deno.test("each switch: what a set and a zero value mean", () => {
  for (const name of SWITCH_NAMES) {
    const [set] = switchesIn(`${name}=1`);
    const [zero] = switchesIn(`${name}=0`);
    assert.notEqual(set.meaning, zero.meaning, name);
    assert.ok(describeSwitch(set).startsWith(`${name}=1: `));
  }
  // Only these values keep ntsync off.
  assert.deepEqual(
    SWITCH_NAMES.flatMap((n) =>
      ["1", "0", ""].flatMap((v) =>
        switchesIn(`${n}=${v}`)[0].disables ? [`${n}=${v}`] : []
      )
    ),
    [
      "PROTON_NO_NTSYNC=1",
      "WINENTSYNC=0",
      "WINENTSYNC=",
      "WINE_DISABLE_FAST_SYNC=1",
    ],
  );
});
