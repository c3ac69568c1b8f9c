import assert from "node:assert/strict";
import {
  type BootEnd,
  diedBeforeReady,
  INTERRUPTED_STATUS,
  TIMEOUT_STATUS,
  verdict,
} from "./outcome.ts";

const CLEAN: BootEnd = { noDevice: false, timedOut: false, qemuCode: 0 };

Deno.test("verdict passes the guest command's status through", () => {
  assert.deepEqual(verdict({ ...CLEAN, status: 0 }, false, 60), {
    status: 0,
    message: "command exited 0",
  });
  assert.equal(verdict({ ...CLEAN, status: 7 }, false, 60).status, 7);
  // The marker came, then qemu hung and was killed: the status stands.
  assert.equal(
    verdict({ ...CLEAN, status: 3, qemuCode: 137 }, false, 60).status,
    3,
  );
});

Deno.test("verdict names a missing device", () => {
  const v = verdict({ ...CLEAN, status: 125, noDevice: true }, false, 60);
  assert.equal(v.status, 125);
  assert.match(v.message, /\/dev\/ntsync did not appear/);
  // Without the device marker, 125 is just the command's status.
  assert.equal(
    verdict({ ...CLEAN, status: 125 }, false, 60).message,
    "command exited 125",
  );
});

Deno.test("verdict fails when no marker came", () => {
  const timedOut = verdict(
    { ...CLEAN, timedOut: true, qemuCode: 137 },
    false,
    90,
  );
  assert.equal(timedOut.status, TIMEOUT_STATUS);
  assert.match(timedOut.message, /timed out after 90 s/);

  const panic = verdict(
    { ...CLEAN, panic: "Kernel panic - not syncing: VFS" },
    false,
    60,
  );
  assert.equal(panic.status, 1);
  assert.match(panic.message, /never reported.*kernel panic: Kernel panic/);

  assert.equal(verdict({ ...CLEAN }, false, 60).status, 1);
});

Deno.test("verdict: an interruption wins over everything", () => {
  assert.equal(
    verdict({ ...CLEAN, status: 0 }, true, 60).status,
    INTERRUPTED_STATUS,
  );
  assert.equal(
    verdict({ ...CLEAN, timedOut: true }, true, 60).status,
    INTERRUPTED_STATUS,
  );
});

Deno.test("diedBeforeReady: only a kernel that died before the command ran is booted again", () => {
  const panic = "[ 1.96] Kernel panic - not syncing: Fatal exception";
  assert.equal(diedBeforeReady({ ...CLEAN, panic }), true);
  // It got ready: the command ran (or was running) and its verdict stands.
  assert.equal(diedBeforeReady({ ...CLEAN, panic, readyMs: 4000 }), false);
  assert.equal(
    diedBeforeReady({ ...CLEAN, panic, status: 1 }),
    false,
  );
  // Silence until the limit, or no panic at all: not a boot flake.
  assert.equal(
    diedBeforeReady({ ...CLEAN, timedOut: true, panic }),
    false,
  );
  assert.equal(diedBeforeReady(CLEAN), false);
});
