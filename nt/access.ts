/**
 * Access masks and the generic mapping of each object type, as the NT
 * object manager applies them when a handle is created (Windows'
 * `RtlMapGenericMask` with each type's `GENERIC_MAPPING`).
 *
 * @module
 */

/** Delete the object. */
export const DELETE = 0x0001_0000;
/** Read the security descriptor. */
export const READ_CONTROL = 0x0002_0000;
/** Write the DACL. */
export const WRITE_DAC = 0x0004_0000;
/** Take ownership. */
export const WRITE_OWNER = 0x0008_0000;
/** Wait on the object. */
export const SYNCHRONIZE = 0x0010_0000;
/** `DELETE | READ_CONTROL | WRITE_DAC | WRITE_OWNER`. */
export const STANDARD_RIGHTS_REQUIRED = 0x000F_0000;
/** Read/write the SACL (needs a privilege this layer never holds). */
export const ACCESS_SYSTEM_SECURITY = 0x0100_0000;
/** Every right the type defines. */
export const MAXIMUM_ALLOWED = 0x0200_0000;
/** Generic all. */
export const GENERIC_ALL = 0x1000_0000;
/** Generic execute. */
export const GENERIC_EXECUTE = 0x2000_0000;
/** Generic write. */
export const GENERIC_WRITE = 0x4000_0000;
/** Generic read. */
export const GENERIC_READ = 0x8000_0000;

/** `NtQueryEvent`. */
export const EVENT_QUERY_STATE = 0x0001;
/** Set, reset, pulse. */
export const EVENT_MODIFY_STATE = 0x0002;
/** Every event right. */
export const EVENT_ALL_ACCESS = 0x001F_0003;
/** `NtQueryMutant`. */
export const MUTANT_QUERY_STATE = 0x0001;
/** Every mutant right. */
export const MUTANT_ALL_ACCESS = 0x001F_0001;
/** Win32 name of {@linkcode MUTANT_ALL_ACCESS}. */
export const MUTEX_ALL_ACCESS: number = MUTANT_ALL_ACCESS;
/** `NtQuerySemaphore`. */
export const SEMAPHORE_QUERY_STATE = 0x0001;
/** Release. */
export const SEMAPHORE_MODIFY_STATE = 0x0002;
/** Every semaphore right. */
export const SEMAPHORE_ALL_ACCESS = 0x001F_0003;
/** `TerminateThread`. */
export const THREAD_TERMINATE = 0x0001;
/** `SuspendThread`/`ResumeThread`. */
export const THREAD_SUSPEND_RESUME = 0x0002;
/** `QueueUserAPC`. */
export const THREAD_SET_CONTEXT = 0x0010;
/** `GetExitCodeThread`. */
export const THREAD_QUERY_INFORMATION = 0x0040;
/** `GetExitCodeThread`, `GetThreadId`. */
export const THREAD_QUERY_LIMITED_INFORMATION = 0x0800;
/** Every thread right. */
export const THREAD_ALL_ACCESS = 0x001F_FFFF;
/** Every process right. */
export const PROCESS_ALL_ACCESS = 0x001F_FFFF;

/** The object types of this layer's handle table. */
export type ObjectType =
  | "event"
  | "mutant"
  | "semaphore"
  | "thread"
  | "process";

interface GenericMapping {
  readonly read: number;
  readonly write: number;
  readonly execute: number;
  readonly all: number;
}

const STANDARD_RIGHTS_READ = READ_CONTROL;
const STANDARD_RIGHTS_WRITE = READ_CONTROL;
const STANDARD_RIGHTS_EXECUTE = READ_CONTROL;

const MAPPINGS: Readonly<Record<ObjectType, GenericMapping>> = {
  event: {
    read: STANDARD_RIGHTS_READ | EVENT_QUERY_STATE,
    write: STANDARD_RIGHTS_WRITE | EVENT_MODIFY_STATE,
    execute: STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE,
    all: EVENT_ALL_ACCESS,
  },
  mutant: {
    read: STANDARD_RIGHTS_READ | MUTANT_QUERY_STATE,
    write: STANDARD_RIGHTS_WRITE,
    execute: STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE,
    all: MUTANT_ALL_ACCESS,
  },
  semaphore: {
    read: STANDARD_RIGHTS_READ | SEMAPHORE_QUERY_STATE,
    write: STANDARD_RIGHTS_WRITE | SEMAPHORE_MODIFY_STATE,
    execute: STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE,
    all: SEMAPHORE_ALL_ACCESS,
  },
  thread: {
    read: STANDARD_RIGHTS_READ | THREAD_QUERY_INFORMATION | 0x8,
    write: STANDARD_RIGHTS_WRITE | THREAD_SET_CONTEXT | 0x2 | 0x20 | 0x200,
    execute: STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE |
      THREAD_QUERY_LIMITED_INFORMATION,
    all: THREAD_ALL_ACCESS,
  },
  process: {
    read: STANDARD_RIGHTS_READ | 0x0410,
    write: STANDARD_RIGHTS_WRITE | 0x0BEA,
    execute: STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE | 0x1000,
    all: PROCESS_ALL_ACCESS,
  },
};

/**
 * Replace the generic bits of `access` with `type`'s specific rights
 * (`MAXIMUM_ALLOWED` grants them all).
 *
 * @example
 * ```ts
 * import { GENERIC_EXECUTE, mapGenericMask, SYNCHRONIZE } from "./access.ts";
 * (mapGenericMask("mutant", GENERIC_EXECUTE) & SYNCHRONIZE) !== 0; // true
 * ```
 */
export function mapGenericMask(type: ObjectType, access: number): number {
  const m = MAPPINGS[type];
  let mapped = access & 0x0FFF_FFFF & ~MAXIMUM_ALLOWED;
  if (access & GENERIC_READ) mapped |= m.read;
  if (access & GENERIC_WRITE) mapped |= m.write;
  if (access & GENERIC_EXECUTE) mapped |= m.execute;
  if (access & GENERIC_ALL) mapped |= m.all;
  if (access & MAXIMUM_ALLOWED) mapped |= m.all;
  return mapped >>> 0;
}

/** Every right `type` defines. */
export function allAccess(type: ObjectType): number {
  return MAPPINGS[type].all;
}
