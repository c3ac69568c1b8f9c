/**
 * NTSTATUS values, Win32 error codes, and the two mappings between the
 * layers: errno to NTSTATUS (as Wine's `errno_to_status()` in
 * `dlls/ntdll/unix/file.c` does for ntsync ioctl failures) and NTSTATUS to
 * Win32 error (`RtlNtStatusToDosError`, as `dlls/kernelbase/sync.c` uses it).
 *
 * @module
 */

import { Errno } from "../mod.ts";

/** An NTSTATUS: a u32 such as `0xC0000008` (`STATUS_INVALID_HANDLE`). */
export type NTSTATUS = number;

/** The operation succeeded. */
export const STATUS_SUCCESS = 0x00000000;
/** A wait succeeded on object 0 (add the index for wait-any). */
export const STATUS_WAIT_0 = 0x00000000;
/** A wait acquired abandoned mutex 0 (add the index for wait-any). */
export const STATUS_ABANDONED_WAIT_0 = 0x00000080;
/** An alertable wait ran user APCs instead of acquiring anything. */
export const STATUS_USER_APC = 0x000000C0;
/** A wait timed out. */
export const STATUS_TIMEOUT = 0x00000102;
/** A zero-timeout `NtDelayExecution` found nothing else to run. */
export const STATUS_NO_YIELD_PERFORMED = 0x40000024;
/** Create with `OBJ_OPENIF` opened an existing object of that name. */
export const STATUS_OBJECT_NAME_EXISTS = 0x40000000;
/** Generic failure (e.g. an APC queued to a thread that has exited). */
export const STATUS_UNSUCCESSFUL = 0xC0000001;
/** Not implemented by this layer. */
export const STATUS_NOT_IMPLEMENTED = 0xC0000002;
/** A query's information class is unknown. */
export const STATUS_INVALID_INFO_CLASS = 0xC0000003;
/** A query's buffer length does not match its class. */
export const STATUS_INFO_LENGTH_MISMATCH = 0xC0000004;
/** The handle is not open (or is a pseudo-handle where none is allowed). */
export const STATUS_INVALID_HANDLE = 0xC0000008;
/** A parameter is out of range. */
export const STATUS_INVALID_PARAMETER = 0xC000000D;
/** Out of memory (or out of table slots). */
export const STATUS_NO_MEMORY = 0xC0000017;
/** The handle lacks the access right the call needs. */
export const STATUS_ACCESS_DENIED = 0xC0000022;
/** The handle's object is not of the kind the call works on. */
export const STATUS_OBJECT_TYPE_MISMATCH = 0xC0000024;
/** Parameters that are each valid do not go together (e.g. one object twice in a wait-all). */
export const STATUS_INVALID_PARAMETER_MIX = 0xC0000030;
/** An object name is not a valid path. */
export const STATUS_OBJECT_NAME_INVALID = 0xC0000033;
/** No object has that name. */
export const STATUS_OBJECT_NAME_NOT_FOUND = 0xC0000034;
/** Create without `OBJ_OPENIF` found an object of that name. */
export const STATUS_OBJECT_NAME_COLLISION = 0xC0000035;
/** An open without a name. */
export const STATUS_OBJECT_PATH_SYNTAX_BAD = 0xC000003B;
/** `NtReleaseMutant` by a thread that does not own the mutant. */
export const STATUS_MUTANT_NOT_OWNED = 0xC0000046;
/** `NtReleaseSemaphore` would take the count above the maximum. */
export const STATUS_SEMAPHORE_LIMIT_EXCEEDED = 0xC0000047;
/** The calling thread is being terminated. */
export const STATUS_THREAD_IS_TERMINATING = 0xC000004B;
/** `ACCESS_SYSTEM_SECURITY` asked for without the privilege. */
export const STATUS_PRIVILEGE_NOT_HELD = 0xC0000061;
/** The first parameter is invalid (a wait count of 0 or over 64). */
export const STATUS_INVALID_PARAMETER_1 = 0xC00000EF;
/** Too many open files (fd exhaustion in the kernel). */
export const STATUS_TOO_MANY_OPENED_FILES = 0xC000011F;
/** A mutant's recursion count would overflow. */
export const STATUS_MUTANT_LIMIT_EXCEEDED = 0xC0000191;

/**
 * True for success and informational statuses (severity bits `00`/`01`),
 * as the `NT_SUCCESS` macro.
 *
 * @example
 * ```ts
 * import { NT_SUCCESS, STATUS_TIMEOUT, STATUS_INVALID_HANDLE } from "./status.ts";
 * NT_SUCCESS(STATUS_TIMEOUT); // true
 * NT_SUCCESS(STATUS_INVALID_HANDLE); // false
 * ```
 */
export function NT_SUCCESS(status: NTSTATUS): boolean {
  return (status | 0) >= 0;
}

/**
 * True for error statuses (severity `11`), as the `NT_ERROR` macro.
 *
 * @example
 * ```ts
 * import { NT_ERROR, STATUS_ACCESS_DENIED } from "./status.ts";
 * NT_ERROR(STATUS_ACCESS_DENIED); // true
 * ```
 */
export function NT_ERROR(status: NTSTATUS): boolean {
  return (status >>> 30) === 3;
}

/**
 * The NTSTATUS for an errno an ntsync ioctl failed with, as Wine's
 * `errno_to_status()` maps the ones ntsync can return. Callers special-case
 * `ETIMEDOUT`, `EOWNERDEAD` and `EOVERFLOW` first, as `linux_wait_objs()` and
 * the `linux_*_obj()` wrappers in `dlls/ntdll/unix/sync.c` do.
 *
 * @example
 * ```ts
 * import { errnoToStatus, STATUS_INVALID_HANDLE } from "./status.ts";
 * errnoToStatus(9) === STATUS_INVALID_HANDLE; // true (EBADF)
 * ```
 */
export function errnoToStatus(errno: number): NTSTATUS {
  switch (errno) {
    case Errno.EINVAL:
      return STATUS_INVALID_PARAMETER;
    case Errno.EBADF:
      return STATUS_INVALID_HANDLE;
    case Errno.EPERM:
    case Errno.EACCES:
      return STATUS_ACCESS_DENIED;
    case Errno.EMFILE:
    case Errno.ENFILE:
      return STATUS_TOO_MANY_OPENED_FILES;
    case Errno.ENOMEM:
      return STATUS_NO_MEMORY;
    case Errno.ETIMEDOUT:
      return STATUS_TIMEOUT;
    case 3: // ESRCH: the calling thread was reaped (terminated)
      return STATUS_THREAD_IS_TERMINATING;
    default:
      return STATUS_UNSUCCESSFUL;
  }
}

/** The operation completed successfully. */
export const ERROR_SUCCESS = 0;
/** The system cannot find the file specified (no object of that name). */
export const ERROR_FILE_NOT_FOUND = 2;
/** The system cannot open the file (too many open). */
export const ERROR_TOO_MANY_OPEN_FILES = 4;
/** Access is denied. */
export const ERROR_ACCESS_DENIED = 5;
/** The handle is invalid. */
export const ERROR_INVALID_HANDLE = 6;
/** Not enough memory. */
export const ERROR_NOT_ENOUGH_MEMORY = 8;
/** The program issued a command but the command length is incorrect. */
export const ERROR_BAD_LENGTH = 24;
/** A device attached to the system is not functioning (generic failure). */
export const ERROR_GEN_FAILURE = 31;
/** The parameter is incorrect. */
export const ERROR_INVALID_PARAMETER = 87;
/** The specified path is invalid. */
export const ERROR_BAD_PATHNAME = 161;
/** Cannot create a file when that file already exists. */
export const ERROR_ALREADY_EXISTS = 183;
/** The filename, directory name, or volume label syntax is incorrect. */
export const ERROR_INVALID_NAME = 123;
/** This operation returned because the timeout period expired. */
export const ERROR_TIMEOUT = 1460;
/** Attempt to release mutex not owned by caller. */
export const ERROR_NOT_OWNER = 288;
/** Too many posts were made to a semaphore. */
export const ERROR_TOO_MANY_POSTS = 298;
/** The semaphore cannot be set again (mutant recursion overflow). */
export const ERROR_SEM_OVERFLOW = 0x67;
/** A required privilege is not held by the client. */
export const ERROR_PRIVILEGE_NOT_HELD = 1314;
/** The function is not supported. */
export const ERROR_NOT_SUPPORTED = 50;
/** Not implemented (`ERROR_CALL_NOT_IMPLEMENTED`). */
export const ERROR_CALL_NOT_IMPLEMENTED = 120;
/** No mapping for an NTSTATUS (`ERROR_MR_MID_NOT_FOUND`). */
export const ERROR_MR_MID_NOT_FOUND = 317;

const DOS_ERRORS: ReadonlyMap<number, number> = new Map([
  [STATUS_SUCCESS, ERROR_SUCCESS],
  [STATUS_UNSUCCESSFUL, ERROR_GEN_FAILURE],
  [STATUS_NOT_IMPLEMENTED, ERROR_CALL_NOT_IMPLEMENTED],
  [STATUS_INVALID_INFO_CLASS, ERROR_INVALID_PARAMETER],
  [STATUS_INFO_LENGTH_MISMATCH, ERROR_BAD_LENGTH],
  [STATUS_INVALID_HANDLE, ERROR_INVALID_HANDLE],
  [STATUS_INVALID_PARAMETER, ERROR_INVALID_PARAMETER],
  [STATUS_NO_MEMORY, ERROR_NOT_ENOUGH_MEMORY],
  [STATUS_ACCESS_DENIED, ERROR_ACCESS_DENIED],
  [STATUS_OBJECT_TYPE_MISMATCH, ERROR_INVALID_HANDLE],
  [STATUS_INVALID_PARAMETER_MIX, ERROR_INVALID_PARAMETER],
  [STATUS_OBJECT_NAME_INVALID, ERROR_INVALID_NAME],
  [STATUS_OBJECT_NAME_NOT_FOUND, ERROR_FILE_NOT_FOUND],
  [STATUS_OBJECT_NAME_COLLISION, ERROR_ALREADY_EXISTS],
  [STATUS_OBJECT_PATH_SYNTAX_BAD, ERROR_BAD_PATHNAME],
  [STATUS_MUTANT_NOT_OWNED, ERROR_NOT_OWNER],
  [STATUS_SEMAPHORE_LIMIT_EXCEEDED, ERROR_TOO_MANY_POSTS],
  [STATUS_THREAD_IS_TERMINATING, ERROR_ACCESS_DENIED],
  [STATUS_PRIVILEGE_NOT_HELD, ERROR_PRIVILEGE_NOT_HELD],
  [STATUS_INVALID_PARAMETER_1, ERROR_INVALID_PARAMETER],
  [STATUS_TOO_MANY_OPENED_FILES, ERROR_TOO_MANY_OPEN_FILES],
  [STATUS_MUTANT_LIMIT_EXCEEDED, ERROR_SEM_OVERFLOW],
  [STATUS_TIMEOUT, ERROR_TIMEOUT],
]);

/**
 * The Win32 error for an NTSTATUS, as `RtlNtStatusToDosError` maps the
 * statuses this layer returns (`ERROR_MR_MID_NOT_FOUND` for others).
 *
 * @example
 * ```ts
 * import { RtlNtStatusToDosError, STATUS_MUTANT_NOT_OWNED, ERROR_NOT_OWNER } from "./status.ts";
 * RtlNtStatusToDosError(STATUS_MUTANT_NOT_OWNED) === ERROR_NOT_OWNER; // true
 * ```
 */
export function RtlNtStatusToDosError(status: NTSTATUS): number {
  return DOS_ERRORS.get(status >>> 0) ?? ERROR_MR_MID_NOT_FOUND;
}
