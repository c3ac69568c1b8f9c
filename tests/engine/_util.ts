/**
 * Small helpers for the engine's own tests.
 *
 * @module
 */

import { NtsyncError, WaitArgs } from "../../mod.ts";
import type { Backend } from "../../mod.ts";
import assert from "node:assert/strict";

// Object creation and reads are the stress tests' helpers, under short names.
export {
  createEvent as event,
  createMutex as mutex,
  createSem as sem,
  readSem as semState,
} from "../stress/_surface.ts";

/** Wait args for `fds`, timing out `ms` from now (0: poll; Infinity: never). */
export function waitArgs(
  nt: Backend,
  fds: number[],
  opts: { owner?: number; ms?: number; alert?: number } = {},
): { args: DataView; objs: Int32Array } {
  const objs = new Int32Array(fds);
  const ms = opts.ms ?? 0;
  const timeout = ms === Infinity
    ? 0xffff_ffff_ffff_ffffn
    : nt.now() + BigInt(ms * 1e6);
  const args = WaitArgs.alloc({
    timeout,
    objs: nt.addressOf(objs),
    count: fds.length,
    owner: opts.owner ?? 123,
    alert: opts.alert ?? 0,
  });
  return { args, objs };
}

/** Assert that `fn` throws an NtsyncError with errno `code`. */
export function throwsErrno(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof NtsyncError, `expected NtsyncError, got ${err}`);
    assert.equal(err.code, code);
    return true;
  });
}
