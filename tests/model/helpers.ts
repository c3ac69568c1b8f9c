/**
 * Selftest-style helpers over any {@linkcode Backend} (the helpers of
 * tools/testing/selftests/drivers/ntsync/ntsync.c):
 * each issues one ioctl and returns its result as data (`ret` 0 or the
 * errno name) with the words it wrote, so assertions read like the C selftests.
 *
 * @module
 */

import type { Backend } from "../../core/backend.ts";
import { NtsyncError } from "../../core/errors.ts";
import {
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
} from "../../uapi/ioctl.ts";
import { EventArgs, MutexArgs, SemArgs, WaitArgs } from "../../uapi/structs.ts";

/** 0 on success, else the errno name (`"EINVAL"`, ...). */
export type Ret = 0 | string;

/** Run `f`, turning an `NtsyncError` into its code. */
export function attempt(f: () => number): { ret: Ret; value: number } {
  try {
    return { ret: 0, value: f() };
  } catch (err) {
    if (err instanceof NtsyncError) return { ret: err.code, value: -1 };
    throw err;
  }
}

/** CREATE_SEM; the fd, or the errno name. */
export function createSem(
  nt: Backend,
  dev: number,
  count: number,
  max: number,
): number | string {
  const r = attempt(() =>
    nt.ioctl(dev, NTSYNC_IOC_CREATE_SEM, SemArgs.alloc({ count, max }))
  );
  return r.ret === 0 ? r.value : r.ret;
}

/** CREATE_MUTEX; the fd, or the errno name. */
export function createMutex(
  nt: Backend,
  dev: number,
  owner: number,
  count: number,
): number | string {
  const r = attempt(() =>
    nt.ioctl(dev, NTSYNC_IOC_CREATE_MUTEX, MutexArgs.alloc({ owner, count }))
  );
  return r.ret === 0 ? r.value : r.ret;
}

/** CREATE_EVENT; the fd, or the errno name. */
export function createEvent(
  nt: Backend,
  dev: number,
  manual: number,
  signaled: number,
): number | string {
  const r = attempt(() =>
    nt.ioctl(
      dev,
      NTSYNC_IOC_CREATE_EVENT,
      EventArgs.alloc({ manual, signaled }),
    )
  );
  return r.ret === 0 ? r.value : r.ret;
}

/** A fd a test expects to be valid (throws with the errno name if not). */
export function fdOf(result: number | string): number {
  if (typeof result !== "number") throw new Error(`expected an fd: ${result}`);
  return result;
}

/** SEM_READ into a 0xCC-filled struct: `[ret, count, max]`. */
export function readSem(nt: Backend, fd: number): [Ret, number, number] {
  const v = new DataView(new Uint8Array(8).fill(0xcc).buffer);
  const { ret } = attempt(() => nt.ioctl(fd, NTSYNC_IOC_SEM_READ, v));
  const s = SemArgs.read(v);
  return [ret, s.count, s.max];
}

/** MUTEX_READ into a 0xCC-filled struct: `[ret, count, owner]` (the selftest's order). */
export function readMutex(nt: Backend, fd: number): [Ret, number, number] {
  const v = new DataView(new Uint8Array(8).fill(0xcc).buffer);
  const { ret } = attempt(() => nt.ioctl(fd, NTSYNC_IOC_MUTEX_READ, v));
  const m = MutexArgs.read(v);
  return [ret, m.count, m.owner];
}

/** EVENT_READ into a 0xCC-filled struct: `[ret, signaled, manual]`. */
export function readEvent(nt: Backend, fd: number): [Ret, number, number] {
  const v = new DataView(new Uint8Array(8).fill(0xcc).buffer);
  const { ret } = attempt(() => nt.ioctl(fd, NTSYNC_IOC_EVENT_READ, v));
  const e = EventArgs.read(v);
  return [ret, e.signaled, e.manual];
}

/** A one-`__u32` in/out ioctl: `[ret, word after]`. */
export function wordIoctl(
  nt: Backend,
  fd: number,
  request: number,
  word = 0xdeadbeef,
): [Ret, number] {
  const v = new Uint32Array([word]);
  const { ret } = attempt(() => nt.ioctl(fd, request, v));
  return [ret, v[0]];
}

/** SEM_RELEASE n: `[ret, previous count (or the input if not written)]`. */
export function releaseSem(nt: Backend, fd: number, n: number): [Ret, number] {
  return wordIoctl(nt, fd, NTSYNC_IOC_SEM_RELEASE, n);
}

/** MUTEX_UNLOCK: `[ret, count written]` (0xdeadbeef if untouched). */
export function unlockMutex(
  nt: Backend,
  fd: number,
  owner: number,
): [Ret, number] {
  const v = MutexArgs.alloc({ owner, count: 0xdeadbeef });
  const { ret } = attempt(() => nt.ioctl(fd, NTSYNC_IOC_MUTEX_UNLOCK, v));
  return [ret, MutexArgs.read(v).count];
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
  const fds = new Int32Array(objs);
  const v = WaitArgs.alloc({
    timeout: options.timeout ?? nt.now("monotonic"),
    objs: objs.length ? nt.addressOf(fds) : 0n,
    count: options.count ?? objs.length,
    index: 0xdeadbeef,
    flags: options.flags ?? 0,
    owner,
    alert: options.alert ?? 0,
    pad: options.pad ?? 0,
  });
  const request = all ? NTSYNC_IOC_WAIT_ALL : NTSYNC_IOC_WAIT_ANY;
  const { ret } = attempt(() => nt.ioctl(dev, request, v));
  return [ret, WaitArgs.read(v).index];
}
