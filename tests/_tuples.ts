/**
 * The selftest helpers of conformance/calls.ts, answered as tuples
 * (`[ret, count, max]`, `ret` 0 or the errno name) so the model's tests and
 * the fuzzers compare a whole call's outcome in one `deepEqual`. Nothing is
 * re-implemented here: every call is calls.ts's.
 *
 * @module
 */

import type { Backend } from "../core/backend.ts";
import { errnoName } from "../uapi/errno.ts";
import { NTSYNC_IOC_WAIT_ALL, NTSYNC_IOC_WAIT_ANY } from "../uapi/ioctl.ts";
import type { CallResult } from "../conformance/check.ts";
import * as calls from "../conformance/calls.ts";
import { cCall } from "../conformance/session.ts";

/** 0 on success, else the errno name (`"EINVAL"`, ...). */
export type Ret = 0 | string;

function retOf(r: CallResult): Ret {
  return r.errno === 0 ? 0 : errnoName(r.errno);
}

/** Run `f`, turning an `NtsyncError` into its code. */
export function attempt(f: () => number): { ret: Ret; value: number } {
  const r = cCall(f);
  return { ret: retOf(r), value: r.errno === 0 ? r.ret : -1 };
}

function fdOrName(r: CallResult): number | string {
  return r.errno === 0 ? r.ret : errnoName(r.errno);
}

/** CREATE_SEM; the fd, or the errno name. */
export function createSem(
  nt: Backend,
  dev: number,
  count: number,
  max: number,
): number | string {
  return fdOrName(calls.createSem(calls.callerOf(nt), dev, count, max));
}

/** CREATE_MUTEX; the fd, or the errno name. */
export function createMutex(
  nt: Backend,
  dev: number,
  owner: number,
  count: number,
): number | string {
  return fdOrName(calls.createMutex(calls.callerOf(nt), dev, owner, count));
}

/** CREATE_EVENT; the fd, or the errno name. */
export function createEvent(
  nt: Backend,
  dev: number,
  manual: number,
  signaled: number,
): number | string {
  return fdOrName(calls.createEvent(calls.callerOf(nt), dev, manual, signaled));
}

/** A fd a test expects to be valid (throws with the errno name if not). */
export function fdOf(result: number | string): number {
  if (typeof result !== "number") throw new Error(`expected an fd: ${result}`);
  return result;
}

/** SEM_READ into a 0xCC-filled struct: `[ret, count, max]`. */
export function readSem(nt: Backend, fd: number): [Ret, number, number] {
  const r = calls.readSemState(calls.callerOf(nt), fd);
  return [retOf(r), r.count, r.max];
}

/** MUTEX_READ into a 0xCC-filled struct: `[ret, count, owner]` (the selftest's order). */
export function readMutex(nt: Backend, fd: number): [Ret, number, number] {
  const r = calls.readMutexState(calls.callerOf(nt), fd);
  return [retOf(r), r.count, r.owner];
}

/** EVENT_READ into a 0xCC-filled struct: `[ret, signaled, manual]`. */
export function readEvent(nt: Backend, fd: number): [Ret, number, number] {
  const r = calls.readEventState(calls.callerOf(nt), fd);
  return [retOf(r), r.signaled, r.manual];
}

/** A one-`__u32` in/out ioctl: `[ret, word after]`. */
export function wordIoctl(
  nt: Backend,
  fd: number,
  request: number,
  word = 0xdeadbeef,
): [Ret, number] {
  const v = new Uint32Array([word]);
  return [retOf(calls.callerOf(nt).ioctl(fd, request, v)), v[0]];
}

/** SEM_RELEASE n: `[ret, previous count (or the input if not written)]`. */
export function releaseSem(nt: Backend, fd: number, n: number): [Ret, number] {
  const r = calls.releaseSem(calls.callerOf(nt), fd, n);
  return [retOf(r), r.count];
}

/** MUTEX_UNLOCK: `[ret, count written]` (0xdeadbeef if untouched). */
export function unlockMutex(
  nt: Backend,
  fd: number,
  owner: number,
): [Ret, number] {
  const r = calls.unlockMutex(calls.callerOf(nt), fd, owner);
  return [retOf(r), r.count];
}

/** Options of {@linkcode waitObjs}. */
export interface WaitOptions {
  /** Alert fd (0: none). */
  alert?: number;
  /** Absolute timeout; default: now on the monotonic clock (a poll). */
  timeout?: bigint;
  /** Override `count` (default: `objs.length`). */
  count?: number;
  /** `flags` field. */
  flags?: number;
  /** `pad` field. */
  pad?: number;
}

/** WAIT_ANY/WAIT_ALL as the selftests' `wait_objs`: `[ret, index]`. */
export function waitObjs(
  nt: Backend,
  dev: number,
  all: boolean,
  objs: readonly number[],
  owner: number,
  options: WaitOptions = {},
): [Ret, number] {
  const r = calls.waitRaw(
    calls.callerOf(nt),
    dev,
    all ? NTSYNC_IOC_WAIT_ALL : NTSYNC_IOC_WAIT_ANY,
    { ...options, objs: objs.length ? objs : null, owner },
  );
  return [retOf(r), r.index];
}
