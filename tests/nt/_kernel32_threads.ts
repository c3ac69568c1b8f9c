/**
 * The thread and APC functions of Wine's `dlls/kernel32/tests/sync.c`,
 * ported (they run in Workers or as APCs, so they live in a module of
 * their own).
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
import { hex, ok } from "./_wine.ts";

/** `struct test_mutex_thread_params`. */
export interface TestMutexThreadParams {
  mutex: number;
  start_event: number;
  stop_event: number;
  owner: boolean;
}

/** `test_mutex_thread`. */
export function test_mutex_thread(
  k32: Kernel32,
  params: TestMutexThreadParams,
): number {
  let ret = k32.WaitForSingleObject(params.mutex, INFINITE);
  if (params.owner) ok(!ret, `got ${hex(ret)}`);
  else ok(ret === WAIT_ABANDONED, `got ${hex(ret)}`);
  k32.SetEvent(params.start_event);

  ret = k32.WaitForSingleObject(params.stop_event, INFINITE);
  ok(!ret, `got ${hex(ret)}`);
  return 0;
}

/** `alertable_wait_thread`. */
export function alertable_wait_thread(
  k32: Kernel32,
  semaphores: number[],
): number {
  k32.ReleaseSemaphore(semaphores[0], 1, null);
  let result = k32.WaitForMultipleObjectsEx(
    1,
    [semaphores[1]],
    true,
    1000,
    true,
  );
  ok(
    result === WAIT_IO_COMPLETION,
    `expected WAIT_IO_COMPLETION, got ${result}`,
  );
  result = k32.WaitForMultipleObjectsEx(1, [semaphores[1]], true, 200, true);
  ok(result === WAIT_OBJECT_0, `expected WAIT_OBJECT_0, got ${result}`);

  k32.ReleaseSemaphore(semaphores[0], 1, null);
  let status = k32.ntdll.NtWaitForMultipleObjects(
    1,
    [semaphores[1]],
    WaitAll,
    true,
    -10000000n,
  );
  ok(
    status === STATUS_USER_APC,
    `expected STATUS_USER_APC, got ${hex(status)}`,
  );
  status = k32.ntdll.NtWaitForMultipleObjects(
    1,
    [semaphores[1]],
    WaitAll,
    true,
    -2000000n,
  );
  ok(status === STATUS_WAIT_0, `expected STATUS_WAIT_0, got ${hex(status)}`);

  k32.ReleaseSemaphore(semaphores[0], 1, null);
  status = k32.ntdll.NtWaitForMultipleObjects(
    1,
    [semaphores[1]],
    WaitAll,
    true,
    -10000000n,
  );
  ok(
    status === STATUS_USER_APC,
    `expected STATUS_USER_APC, got ${hex(status)}`,
  );
  result = k32.WaitForSingleObject(semaphores[0], 0);
  ok(result === WAIT_TIMEOUT, `expected WAIT_TIMEOUT, got ${result}`);

  return 0;
}

/** `alertable_wait_apc`: release `semaphores[1]`. */
export function alertable_wait_apc(k32: Kernel32, semaphores: number[]): void {
  k32.ReleaseSemaphore(semaphores[1], 1, null);
}

/** `alertable_wait_apc2`: take `semaphores[0]`. */
export function alertable_wait_apc2(k32: Kernel32, semaphores: number[]): void {
  const result = k32.WaitForSingleObject(semaphores[0], 1000);
  ok(result === WAIT_OBJECT_0, `expected WAIT_OBJECT_0, got ${result}`);
}

/** `thread_proc`: sleep forever. */
export function thread_proc(k32: Kernel32): number {
  k32.Sleep(INFINITE);
  return 0;
}

/** What `user_apc` counts (Wine's static `apc_count`). */
export const apc = { count: 0 };

/** `user_apc`. */
export function user_apc(_k32: Kernel32, _unused: unknown): void {
  apc.count++;
}

/** Does nothing: what `warmUpThreads` runs. */
export function nop(): number {
  return 0;
}
