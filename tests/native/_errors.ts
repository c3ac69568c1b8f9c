/**
 * The errno a call fails with, for native tests that compare it with the
 * kernel's: 0 when it did not fail (so an assertion expecting an errno
 * fails then too); anything but an `NtsyncError` fails the test.
 *
 * @module
 */

import assert from "node:assert/strict";
import { NtsyncError } from "../../core/errors.ts";

/** The errno `fn` throws with, or 0. */
export function errnoOf(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof NtsyncError, `not an NtsyncError: ${err}`);
    return err.errno;
  }
  return 0;
}

/** The errno `p` rejects with, or 0. */
export async function errnoOfAsync(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof NtsyncError, `not an NtsyncError: ${err}`);
    return err.errno;
  }
  return 0;
}
