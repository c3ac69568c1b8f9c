/**
 * Step-labelled assertions for the conformance checks.
 *
 * Every assertion names the step that failed ("release 1 on {2,2}: expected
 * -1/EOVERFLOW, got 0"), because a conformance failure is only useful when it
 * says which kernel behaviour the backend got wrong.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Errno, type ErrnoName, errnoName } from "../uapi/errno.ts";

/**
 * What a C `ioctl()` call leaves behind: its return value and, when that is
 * -1, `errno` (0 otherwise).
 */
export interface CallResult {
  /** The return value: the new fd for CREATE_*, 0, or -1 on failure. */
  readonly ret: number;
  /** The errno of a failed call, 0 after a successful one. */
  readonly errno: number;
}

/** `123 (0x7b)` for numbers worth seeing in hex, else the plain value. */
function show(value: unknown): string {
  if (typeof value === "number" && Number.isInteger(value) && value > 255) {
    return `${value} (0x${value.toString(16)})`;
  }
  if (typeof value === "bigint") return `${value}n`;
  return String(value);
}

/** `0`, `-1/ETIMEDOUT` or `fd 7`, for messages. */
function showCall(r: CallResult): string {
  return r.ret === -1 ? `-1/${errnoName(r.errno)}` : `${r.ret}`;
}

/** Assert `actual === expected`, naming the step on failure. */
export function expectEq(
  actual: unknown,
  expected: unknown,
  step: string,
): void {
  assert.equal(
    actual,
    expected,
    `${step}: expected ${show(expected)}, got ${show(actual)}`,
  );
}

/** Assert a boolean condition, naming the step on failure. */
export function expectTrue(cond: boolean, step: string): void {
  assert.ok(cond, step);
}

/** Assert the call succeeded with return value 0 (`EXPECT_EQ(0, ret)`). */
export function expectOk(r: CallResult, step: string): void {
  assert.ok(
    r.ret === 0 && r.errno === 0,
    `${step}: expected 0, got ${showCall(r)}`,
  );
}

/** Assert the call returned a new fd (`EXPECT_LE(0, fd)`); returns it. */
export function expectFd(r: CallResult, step: string): number {
  assert.ok(
    Number.isInteger(r.ret) && r.ret >= 0 && r.errno === 0,
    `${step}: expected an fd >= 0, got ${showCall(r)}`,
  );
  return r.ret;
}

/**
 * Assert the call failed with `errno` (`EXPECT_EQ(-1, ret);
 * EXPECT_EQ(ERR, errno)`).
 */
export function expectErr(r: CallResult, errno: ErrnoName, step: string): void {
  assert.ok(
    r.ret === -1 && r.errno === Errno[errno],
    `${step}: expected -1/${errno}, got ${showCall(r)}`,
  );
}
