/**
 * Wine's NT sync API over ntsync: an NT process (a handle table, a name
 * table, threads on Workers, user APCs) with the Win32 calls of
 * `kernel32`/`kernelbase` and the NT calls of `ntdll` (`k32.ntdll`), each
 * mapped onto ntsync as Wine 11 maps it, with Windows' status codes and
 * error values. Runs on either backend (the real `/dev/ntsync` or the
 * emulation).
 *
 * @example
 * ```ts
 * import { Kernel32, WAIT_ABANDONED_0, WAIT_OBJECT_0 } from "./mod.ts";
 * using k32 = Kernel32.open("emulated");
 * const mutex = k32.CreateMutexW(null, false, "Local\\Doc");
 * k32.WaitForSingleObject(mutex, 0) === WAIT_OBJECT_0; // true: owned
 * k32.ReleaseMutex(mutex); // true
 * k32.ReleaseMutex(mutex); // false: not the owner any more
 * k32.GetLastError(); // 288 (ERROR_NOT_OWNER)
 * k32.CloseHandle(mutex);
 * ```
 *
 * @module
 */

export * from "./access.ts";
export * from "./info.ts";
export {
  CREATE_SUSPENDED,
  Kernel32,
  MAXIMUM_WAIT_OBJECTS,
  ThreadExit,
  WAIT_ABANDONED,
  WAIT_ABANDONED_0,
  WAIT_FAILED,
  WAIT_IO_COMPLETION,
  WAIT_OBJECT_0,
  WAIT_TIMEOUT,
} from "./kernel32.ts";
export {
  DUPLICATE_CLOSE_SOURCE,
  DUPLICATE_SAME_ACCESS,
  type HandleBox,
  InitializeObjectAttributes,
  type LongBox,
  Ntdll,
  OBJ_CASE_INSENSITIVE,
  OBJ_OPENIF,
  type ObjectAttributes,
  ThreadTerminated,
  WaitAll,
  WaitAny,
} from "./ntdll.ts";
export * from "./status.ts";
export { STILL_ACTIVE } from "./threads.ts";
export {
  INFINITE,
  type KernelTimeout,
  msToNtTimeout,
  ntTimeFromUnixNs,
  type NtTimeout,
  SECS_1601_TO_1970,
  TIMEOUT_INFINITE,
  toKernelTimeout,
} from "./timeout.ts";
