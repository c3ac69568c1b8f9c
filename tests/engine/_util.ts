/**
 * Small helpers for the engine's own tests.
 *
 * @module
 */

import { NtsyncError } from "../../mod.ts";
import assert from "node:assert/strict";
import { SharedState } from "../../core/emulated/state.ts";
import type { EmulatedBackend } from "../../core/emulated/backend.ts";
import { auditDevice } from "./_audit.ts";

// Object creation and reads are conformance/ops.ts's, under short names.
export {
  createEvent as event,
  createMutex as mutex,
  createSem as sem,
  readSem as semState,
} from "../../conformance/ops.ts";

/** Assert that `fn` throws an NtsyncError with errno `code`. */
export function throwsErrno(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof NtsyncError, `expected NtsyncError, got ${err}`);
    assert.equal(err.code, code);
    return true;
  });
}

/** Run `fn`, counting the device lock's acquisitions (by any thread here). */
export function countLocks(fn: () => void): number {
  const proto = SharedState.prototype, lockDevice = proto.lockDevice;
  let n = 0;
  proto.lockDevice = function (this: SharedState) {
    n++;
    lockDevice.call(this);
  };
  try {
    fn();
  } finally {
    proto.lockDevice = lockDevice;
  }
  return n;
}

/** Assert that `nt`'s device passes the full audit of _audit.ts. */
export function assertWhole(nt: EmulatedBackend): void {
  const buffer = nt.share().buffer as SharedArrayBuffer;
  assert.deepEqual(auditDevice(buffer), []);
}
