/**
 * The thread procedures and APCs of Wine's dlls/kernel32/tests/sync.c, each
 * run through the NT layer's `CreateThread`/`QueueUserAPC` by
 * kernel32_sync_test.ts. Their `ok()` checks are recorded in a shared
 * {@link CheckLog} passed in the parameter, and asserted by the test after it
 * joins the thread.
 *
 * @module
 */

import {
  INFINITE,
  type Kernel32,
  STATUS_USER_APC,
  STATUS_WAIT_0,
  WAIT_ABANDONED,
  WAIT_IO_COMPLETION,
  WAIT_OBJECT_0,
  WAIT_TIMEOUT,
  WaitAll,
} from "../../nt/mod.ts";
import { CheckLog, type ThreadCheck } from "./_check_log.ts";

// ---------------------------------------------------------------- test_mutex

/** `struct test_mutex_thread_params`, plus the shared check log. */
export interface MutexThreadParams {
  readonly mutex: number;
  readonly start_event: number;
  readonly stop_event: number;
  readonly owner: boolean;
  readonly log: SharedArrayBuffer;
}

/** The `ok()` checks of `test_mutex_thread`, in source order. */
export const MUTEX_THREAD_CHECKS: readonly ThreadCheck[] = [
  {
    line: 251,
    what: "test_mutex_thread: if (params->owner) ok(!ret)",
    expected: 0,
  },
  {
    line: 252,
    what: "test_mutex_thread: else ok(ret == WAIT_ABANDONED)",
    expected: WAIT_ABANDONED,
  },
  { line: 256, what: "test_mutex_thread: stop_event: ok(!ret)", expected: 0 },
];

/** `test_mutex_thread`: takes the mutex, says so, waits to be stopped. */
export function test_mutex_thread(
  k32: Kernel32,
  params: MutexThreadParams,
): number {
  const log = new CheckLog(params.log, MUTEX_THREAD_CHECKS);
  let ret = k32.WaitForSingleObject(params.mutex, INFINITE);
  if (params.owner) log.record(0, ret);
  else log.record(1, ret);
  k32.SetEvent(params.start_event);

  ret = k32.WaitForSingleObject(params.stop_event, INFINITE);
  log.record(2, ret);
  return 0;
}

// ------------------------------------------------------- test_alertable_wait

/** What `alertable_wait_thread` gets: `HANDLE semaphores[2]`, and its log. */
export interface AlertableWaitParams {
  readonly semaphores: readonly [number, number];
  readonly log: SharedArrayBuffer;
}

/**
 * The `ok()` checks of `alertable_wait_thread` (0-5) and of
 * `alertable_wait_apc2` (6), in source order.
 */
export const ALERTABLE_WAIT_CHECKS: readonly ThreadCheck[] = [
  {
    line: 2728,
    what:
      "alertable_wait_thread: WaitForMultipleObjectsEx(1, &semaphores[1], TRUE, 1000, TRUE) == WAIT_IO_COMPLETION",
    expected: WAIT_IO_COMPLETION,
  },
  {
    line: 2730,
    what:
      "alertable_wait_thread: WaitForMultipleObjectsEx(1, &semaphores[1], TRUE, 200, TRUE) == WAIT_OBJECT_0",
    expected: WAIT_OBJECT_0,
  },
  {
    line: 2735,
    what:
      "alertable_wait_thread: NtWaitForMultipleObjects(WaitAll, alertable, -1 s) == STATUS_USER_APC",
    expected: STATUS_USER_APC,
  },
  {
    line: 2738,
    what:
      "alertable_wait_thread: NtWaitForMultipleObjects(WaitAll, alertable, -200 ms) == STATUS_WAIT_0",
    expected: STATUS_WAIT_0,
  },
  {
    line: 2743,
    what:
      "alertable_wait_thread: NtWaitForMultipleObjects(WaitAll, alertable, -1 s) == STATUS_USER_APC (two APCs)",
    expected: STATUS_USER_APC,
  },
  {
    line: 2745,
    what:
      "alertable_wait_thread: WaitForSingleObject(semaphores[0], 0) == WAIT_TIMEOUT",
    expected: WAIT_TIMEOUT,
  },
  {
    line: 2762,
    what:
      "alertable_wait_apc2: WaitForSingleObject(semaphores[0], 1000) == WAIT_OBJECT_0",
    expected: WAIT_OBJECT_0,
  },
];

/**
 * The check log of the `alertable_wait_thread` running in this thread: the
 * APCs run in that thread, and get only `semaphores` (an APC's parameter
 * travels as JSON, as a `ULONG_PTR` would not carry a log either).
 */
let alertableLog: CheckLog | undefined;

/** `alertable_wait_thread`: alertable waits that APCs interrupt. */
export function alertable_wait_thread(
  k32: Kernel32,
  param: AlertableWaitParams,
): number {
  const semaphores = param.semaphores;
  const log = new CheckLog(param.log, ALERTABLE_WAIT_CHECKS);
  alertableLog = log;

  k32.ReleaseSemaphore(semaphores[0], 1, null);
  let result = k32.WaitForMultipleObjectsEx(
    1,
    [semaphores[1]],
    true,
    1000,
    true,
  );
  log.record(0, result);
  result = k32.WaitForMultipleObjectsEx(1, [semaphores[1]], true, 200, true);
  log.record(1, result);

  k32.ReleaseSemaphore(semaphores[0], 1, null);
  let status = k32.ntdll.NtWaitForMultipleObjects(
    1,
    [semaphores[1]],
    WaitAll,
    true,
    -10000000n,
  );
  log.record(2, status);
  status = k32.ntdll.NtWaitForMultipleObjects(
    1,
    [semaphores[1]],
    WaitAll,
    true,
    -2000000n,
  );
  log.record(3, status);

  k32.ReleaseSemaphore(semaphores[0], 1, null);
  status = k32.ntdll.NtWaitForMultipleObjects(
    1,
    [semaphores[1]],
    WaitAll,
    true,
    -10000000n,
  );
  log.record(4, status);
  result = k32.WaitForSingleObject(semaphores[0], 0);
  log.record(5, result);

  return 0;
}

/** `alertable_wait_apc`: releases `semaphores[1]`. */
export function alertable_wait_apc(
  k32: Kernel32,
  semaphores: readonly number[],
): void {
  k32.ReleaseSemaphore(semaphores[1], 1, null);
}

/**
 * `alertable_wait_apc2`: takes `semaphores[0]` (released by the test). Its
 * check goes to this thread's log; run in any other thread, it records
 * nothing, and the test sees the check not run.
 */
export function alertable_wait_apc2(
  k32: Kernel32,
  semaphores: readonly number[],
): void {
  const result = k32.WaitForSingleObject(semaphores[0], 1000);
  alertableLog?.record(6, result);
}

// --------------------------------------------------------- test_QueueUserAPC

/** `thread_proc`: `Sleep(INFINITE)`. */
export function thread_proc(k32: Kernel32, _unused: unknown): number {
  k32.SleepEx(INFINITE, false);
  return 0;
}

let apc_count = 0;

/** `user_apc`: `apc_count++` (in the thread it runs in). */
export function user_apc(_k32: Kernel32, _unused: unknown): void {
  apc_count++;
}

/** `apc_count` in this thread. */
export function apcCount(): number {
  return apc_count;
}

/** Sets `apc_count` in this thread (`apc_count = 0`). */
export function setApcCount(n: number): void {
  apc_count = n;
}

// --------------------------------------------------------------- helpers

/**
 * Returns at once: the thread `warmUpThreads` starts, and the exited thread
 * whose handle `test_signalandwait` uses as one that cannot be signaled.
 */
export function nop(_k32: Kernel32, _unused: unknown): number {
  return 0;
}
