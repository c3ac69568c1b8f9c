/**
 * Thread functions for tests/nt/layer_test.ts.
 *
 * @module
 */

import { INFINITE, type Kernel32 } from "../../nt/mod.ts";

/** Take `mutex`, close every handle to it, exit holding it. */
export function take_and_close(k32: Kernel32, mutex: number): number {
  k32.WaitForSingleObject(mutex, INFINITE);
  k32.CloseHandle(mutex);
  return 7;
}

/** Call `ExitThread(code)` from inside nested calls. */
export function exit_early(k32: Kernel32, code: number): number {
  (() => k32.ExitThread(code))();
  return 0;
}

/** Report this thread's id through `box` (an event handle to set after). */
export function report_tid(
  k32: Kernel32,
  p: { done: number },
): number {
  const tid = k32.GetCurrentThreadId();
  k32.SetEvent(p.done);
  return tid;
}

/** Does nothing: what `warmUpThreads` runs. */
export function nop(): number {
  return 0;
}
