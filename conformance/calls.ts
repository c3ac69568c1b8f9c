/**
 * The selftests' helpers, re-implemented exactly on the ioctl surface:
 * `read_*_state` (struct pre-filled with 0xCC), `check_*_state`,
 * `release_sem`, `unlock_mutex` (count preset 0xdeadbeef), `wait_objs`
 * (timeout = MONOTONIC now, index preset 0xdeadbeef) and friends, plus the
 * creation calls. Each returns what the C helper returns: `ret`, `errno`
 * and the output fields, so failures can be checked output and all.
 *
 * Each takes a {@linkcode Caller}: a check's `Session`, or
 * {@linkcode callerOf} a bare backend in a test. The argument structs come
 * from {@link ./ops.ts}, the throwing forms of the same calls.
 *
 * @module
 */

import {
  EventArgs,
  MutexArgs,
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  SemArgs,
  WaitArgs,
} from "../uapi/mod.ts";
import type { Backend } from "../core/backend.ts";
import { type CallResult, expectEq, expectOk } from "./check.ts";
import { FOREVER, poisoned, waitArgs, type WaitFields } from "./ops.ts";
import { cCall } from "./session.ts";

/** `UINT64_MAX`: an infinite wait timeout. */
export const U64_MAX: bigint = FOREVER;

/**
 * What the helpers call through: a backend and a C-style `ioctl` (`ret`,
 * `errno`). A check's `Session` is one.
 */
export interface Caller {
  /** The backend the calls go to. */
  readonly nt: Backend;
  /** C `ioctl()`: `{ret, errno}`, never a throw for an errno. */
  ioctl(fd: number, request: number, arg: ArrayBufferView | null): CallResult;
}

/** A {@linkcode Caller} over a bare backend (no fd tracking). */
export function callerOf(nt: Backend): Caller {
  return {
    nt,
    ioctl: (fd, request, arg) => cCall(() => nt.ioctl(fd, request, arg)),
  };
}

/** A `CallResult` with one output value. */
export type WithValue<K extends string> =
  & CallResult
  & { readonly [P in K]: number };

// ---- creation --------------------------------------------------------------

/** `ioctl(fd, NTSYNC_IOC_CREATE_SEM, &{count, max})`. */
export function createSem(
  s: Caller,
  fd: number,
  count: number,
  max: number,
): CallResult {
  return s.ioctl(fd, NTSYNC_IOC_CREATE_SEM, SemArgs.alloc({ count, max }));
}

/** `ioctl(fd, NTSYNC_IOC_CREATE_MUTEX, &{owner, count})`. */
export function createMutex(
  s: Caller,
  fd: number,
  owner: number,
  count: number,
): CallResult {
  return s.ioctl(
    fd,
    NTSYNC_IOC_CREATE_MUTEX,
    MutexArgs.alloc({ owner, count }),
  );
}

/** `ioctl(fd, NTSYNC_IOC_CREATE_EVENT, &{manual, signaled})`. */
export function createEvent(
  s: Caller,
  fd: number,
  manual: number | boolean,
  signaled: number | boolean,
): CallResult {
  return s.ioctl(
    fd,
    NTSYNC_IOC_CREATE_EVENT,
    EventArgs.alloc({ manual: Number(manual), signaled: Number(signaled) }),
  );
}

// ---- semaphores ------------------------------------------------------------

/** `read_sem_state`: SEM_READ into a 0xCC-filled struct. */
export function readSemState(
  s: Caller,
  sem: number,
): WithValue<"count" | "max"> {
  const args = poisoned(SemArgs.size);
  const r = s.ioctl(sem, NTSYNC_IOC_SEM_READ, args);
  return { ...r, ...SemArgs.read(args) };
}

/** `check_sem_state(sem, count, max)`. */
export function checkSemState(
  s: Caller,
  sem: number,
  count: number,
  max: number,
  step: string,
): void {
  const st = readSemState(s, sem);
  expectOk(st, `${step}: SEM_READ`);
  expectEq(st.count, count, `${step}: semaphore count`);
  expectEq(st.max, max, `${step}: semaphore max`);
}

/** `release_sem(sem, &count)`: SEM_RELEASE with an in/out `u32`. */
export function releaseSem(
  s: Caller,
  sem: number,
  count: number,
): WithValue<"count"> {
  const arg = new Uint32Array([count]);
  const r = s.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, arg);
  return { ...r, count: arg[0] };
}

// ---- mutexes ---------------------------------------------------------------

/** `read_mutex_state`: MUTEX_READ into a 0xCC-filled struct. */
export function readMutexState(
  s: Caller,
  mutex: number,
): WithValue<"count" | "owner"> {
  const args = poisoned(MutexArgs.size);
  const r = s.ioctl(mutex, NTSYNC_IOC_MUTEX_READ, args);
  return { ...r, ...MutexArgs.read(args) };
}

/** `check_mutex_state(mutex, count, owner)`. */
export function checkMutexState(
  s: Caller,
  mutex: number,
  count: number,
  owner: number,
  step: string,
): void {
  const st = readMutexState(s, mutex);
  expectOk(st, `${step}: MUTEX_READ`);
  expectEq(st.count, count, `${step}: mutex count`);
  expectEq(st.owner, owner, `${step}: mutex owner`);
}

/** `unlock_mutex(mutex, owner, &count)`: args `{owner, 0xdeadbeef}`. */
export function unlockMutex(
  s: Caller,
  mutex: number,
  owner: number,
): WithValue<"count"> {
  const args = MutexArgs.alloc({ owner, count: 0xdeadbeef });
  const r = s.ioctl(mutex, NTSYNC_IOC_MUTEX_UNLOCK, args);
  return { ...r, count: MutexArgs.read(args).count };
}

/** `ioctl(mutex, NTSYNC_IOC_MUTEX_KILL, &owner)`. */
export function killMutex(
  s: Caller,
  mutex: number,
  owner: number,
): CallResult {
  return s.ioctl(mutex, NTSYNC_IOC_MUTEX_KILL, new Uint32Array([owner]));
}

// ---- events ----------------------------------------------------------------

/** `read_event_state`: EVENT_READ into a 0xCC-filled struct. */
export function readEventState(
  s: Caller,
  event: number,
): WithValue<"signaled" | "manual"> {
  const args = poisoned(EventArgs.size);
  const r = s.ioctl(event, NTSYNC_IOC_EVENT_READ, args);
  return { ...r, ...EventArgs.read(args) };
}

/** `check_event_state(event, signaled, manual)`. */
export function checkEventState(
  s: Caller,
  event: number,
  signaled: number,
  manual: number,
  step: string,
): void {
  const st = readEventState(s, event);
  expectOk(st, `${step}: EVENT_READ`);
  expectEq(st.signaled, signaled, `${step}: event signaled`);
  expectEq(st.manual, manual, `${step}: event manual`);
}

function eventOp(
  s: Caller,
  event: number,
  request: number,
): WithValue<"signaled"> {
  const out = new Uint32Array([0xdeadbeef]);
  const r = s.ioctl(event, request, out);
  return { ...r, signaled: out[0] };
}

/** `ioctl(event, NTSYNC_IOC_EVENT_SET, &signaled)` (preset 0xdeadbeef). */
export function setEvent(s: Caller, event: number): WithValue<"signaled"> {
  return eventOp(s, event, NTSYNC_IOC_EVENT_SET);
}

/** `ioctl(event, NTSYNC_IOC_EVENT_RESET, &signaled)` (preset 0xdeadbeef). */
export function resetEvent(s: Caller, event: number): WithValue<"signaled"> {
  return eventOp(s, event, NTSYNC_IOC_EVENT_RESET);
}

/** `ioctl(event, NTSYNC_IOC_EVENT_PULSE, &signaled)` (preset 0xdeadbeef). */
export function pulseEvent(s: Caller, event: number): WithValue<"signaled"> {
  return eventOp(s, event, NTSYNC_IOC_EVENT_PULSE);
}

// ---- waits -----------------------------------------------------------------

/** An `int objs[]` argument: a view, a list of fds, or `NULL`. */
export type Objs = Int32Array | readonly number[] | null;

function toView(objs: Objs): Int32Array | null {
  if (objs === null) return null;
  return objs instanceof Int32Array ? objs : new Int32Array(objs);
}

/** `get_abs_timeout(ms)`: MONOTONIC now + ms, in ns. */
export function getAbsTimeout(s: Caller, ms: number): bigint {
  return s.nt.now("monotonic") + BigInt(ms) * 1_000_000n;
}

/**
 * `wait_objs`: zeroed args, timeout = MONOTONIC now (a non-blocking poll),
 * index preset 0xdeadbeef; returns ret/errno and the output index.
 */
export function waitObjs(
  s: Caller,
  fd: number,
  request: number,
  count: number,
  objs: Objs,
  owner: number,
  alert: number,
): WithValue<"index"> {
  return waitRaw(s, fd, request, { count, objs, owner, alert });
}

/** `wait_any(fd, count, objs, owner, &index)`. */
export function waitAny(
  s: Caller,
  fd: number,
  count: number,
  objs: Objs,
  owner: number,
): WithValue<"index"> {
  return waitObjs(s, fd, NTSYNC_IOC_WAIT_ANY, count, objs, owner, 0);
}

/** `wait_all(fd, count, objs, owner, &index)`. */
export function waitAll(
  s: Caller,
  fd: number,
  count: number,
  objs: Objs,
  owner: number,
): WithValue<"index"> {
  return waitObjs(s, fd, NTSYNC_IOC_WAIT_ALL, count, objs, owner, 0);
}

/** `wait_any_alert(fd, count, objs, owner, alert, &index)`. */
export function waitAnyAlert(
  s: Caller,
  fd: number,
  count: number,
  objs: Objs,
  owner: number,
  alert: number,
): WithValue<"index"> {
  return waitObjs(s, fd, NTSYNC_IOC_WAIT_ANY, count, objs, owner, alert);
}

/** `wait_all_alert(fd, count, objs, owner, alert, &index)`. */
export function waitAllAlert(
  s: Caller,
  fd: number,
  count: number,
  objs: Objs,
  owner: number,
  alert: number,
): WithValue<"index"> {
  return waitObjs(s, fd, NTSYNC_IOC_WAIT_ALL, count, objs, owner, alert);
}

/**
 * Every field of a hand-built `ntsync_wait_args`, for the checks beyond the
 * selftests: {@linkcode WaitFields} with the fd array as any {@linkcode Objs},
 * `index` preset to 0xdeadbeef (as the selftests' `wait_objs` does) unless
 * given, and every number taken modulo 2^32 as C's `__u32` fields take it.
 */
export interface RawWait extends WaitFields {
  /** The fd array; its address is stored unless `objsAddress` is given. */
  readonly objs?: Objs;
}

/** Encode a {@linkcode RawWait}: the args, and the fd view to keep alive for the call. */
export function encodeWait(
  s: Caller,
  w: RawWait,
): { args: DataView; view: Int32Array | null } {
  const view = toView(w.objs ?? null);
  const { args } = waitArgs(s.nt, view ?? [], {
    timeout: w.timeout,
    objsAddress: w.objsAddress ?? (view === null ? 0n : undefined),
    count: (w.count ?? view?.length ?? 0) >>> 0,
    index: (w.index ?? 0xdeadbeef) >>> 0,
    flags: (w.flags ?? 0) >>> 0,
    owner: (w.owner ?? 123) >>> 0,
    alert: (w.alert ?? 0) >>> 0,
    pad: (w.pad ?? 0) >>> 0,
  });
  return { args, view };
}

/** A wait with every field chosen by the caller; ret/errno and the index. */
export function waitRaw(
  s: Caller,
  fd: number,
  request: number,
  w: RawWait,
): WithValue<"index"> {
  const { args, view } = encodeWait(s, w);
  const r = s.ioctl(fd, request, args);
  // `view` must stay reachable until the call returns, as C's array would.
  void view;
  return { ...r, index: WaitArgs.read(args).index };
}
