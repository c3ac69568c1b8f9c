/**
 * The request codes and constants of `include/uapi/linux/ntsync.h`.
 *
 * Each code is built exactly as the kernel's `_IOW`/`_IOR`/`_IOWR` macros
 * build it (`dir << 30 | size << 16 | 'N' << 8 | nr`), so the numbers here
 * are derived from the header's declarations rather than copied as magic.
 *
 * @module
 */

const IOC_WRITE = 1; // userspace writes, the kernel reads (_IOW)
const IOC_READ = 2; // the kernel writes, userspace reads (_IOR)
const NTSYNC_MAGIC = 0x4e; // 'N'

/** `_IOC(dir, 'N', nr, size)` as an unsigned 32-bit number. */
function ioc(dir: number, nr: number, size: number): number {
  return ((dir << 30) | (size << 16) | (NTSYNC_MAGIC << 8) | nr) >>> 0;
}

/** Size of `struct ntsync_sem_args` in bytes. */
export const NTSYNC_SEM_ARGS_SIZE = 8;
/** Size of `struct ntsync_mutex_args` in bytes. */
export const NTSYNC_MUTEX_ARGS_SIZE = 8;
/** Size of `struct ntsync_event_args` in bytes. */
export const NTSYNC_EVENT_ARGS_SIZE = 8;
/** Size of `struct ntsync_wait_args` in bytes. */
export const NTSYNC_WAIT_ARGS_SIZE = 40;

/** The most objects one wait may name (the alert is one more). */
export const NTSYNC_MAX_WAIT_COUNT = 64;
/** `ntsync_wait_args.flags` bit: the timeout is on CLOCK_REALTIME. */
export const NTSYNC_WAIT_REALTIME = 0x1;

/** Create a semaphore on the device fd; returns its fd. `_IOW('N', 0x80, struct ntsync_sem_args)` */
export const NTSYNC_IOC_CREATE_SEM: number = ioc(
  IOC_WRITE,
  0x80,
  NTSYNC_SEM_ARGS_SIZE,
);
/** Add to a semaphore; writes the previous count. `_IOWR('N', 0x81, __u32)` */
export const NTSYNC_IOC_SEM_RELEASE: number = ioc(
  IOC_READ | IOC_WRITE,
  0x81,
  4,
);
/** Wait for any one of up to 64 objects. `_IOWR('N', 0x82, struct ntsync_wait_args)` */
export const NTSYNC_IOC_WAIT_ANY: number = ioc(
  IOC_READ | IOC_WRITE,
  0x82,
  NTSYNC_WAIT_ARGS_SIZE,
);
/** Wait for all of up to 64 objects at once. `_IOWR('N', 0x83, struct ntsync_wait_args)` */
export const NTSYNC_IOC_WAIT_ALL: number = ioc(
  IOC_READ | IOC_WRITE,
  0x83,
  NTSYNC_WAIT_ARGS_SIZE,
);
/** Create a mutex on the device fd; returns its fd. `_IOW('N', 0x84, struct ntsync_mutex_args)` */
export const NTSYNC_IOC_CREATE_MUTEX: number = ioc(
  IOC_WRITE,
  0x84,
  NTSYNC_MUTEX_ARGS_SIZE,
);
/** Unlock a mutex; writes the previous recursion count. `_IOWR('N', 0x85, struct ntsync_mutex_args)` */
export const NTSYNC_IOC_MUTEX_UNLOCK: number = ioc(
  IOC_READ | IOC_WRITE,
  0x85,
  NTSYNC_MUTEX_ARGS_SIZE,
);
/** Mark a mutex abandoned by its owner. `_IOW('N', 0x86, __u32)` */
export const NTSYNC_IOC_MUTEX_KILL: number = ioc(IOC_WRITE, 0x86, 4);
/** Create an event on the device fd; returns its fd. `_IOW('N', 0x87, struct ntsync_event_args)` */
export const NTSYNC_IOC_CREATE_EVENT: number = ioc(
  IOC_WRITE,
  0x87,
  NTSYNC_EVENT_ARGS_SIZE,
);
/** Signal an event; writes the previous state. `_IOR('N', 0x88, __u32)` */
export const NTSYNC_IOC_EVENT_SET: number = ioc(IOC_READ, 0x88, 4);
/** Unsignal an event; writes the previous state. `_IOR('N', 0x89, __u32)` */
export const NTSYNC_IOC_EVENT_RESET: number = ioc(IOC_READ, 0x89, 4);
/** Signal, wake, unsignal atomically; writes the previous state. `_IOR('N', 0x8a, __u32)` */
export const NTSYNC_IOC_EVENT_PULSE: number = ioc(IOC_READ, 0x8a, 4);
/** Read a semaphore's `{count, max}`. `_IOR('N', 0x8b, struct ntsync_sem_args)` */
export const NTSYNC_IOC_SEM_READ: number = ioc(
  IOC_READ,
  0x8b,
  NTSYNC_SEM_ARGS_SIZE,
);
/** Read a mutex's `{owner, count}`; EOWNERDEAD if abandoned. `_IOR('N', 0x8c, struct ntsync_mutex_args)` */
export const NTSYNC_IOC_MUTEX_READ: number = ioc(
  IOC_READ,
  0x8c,
  NTSYNC_MUTEX_ARGS_SIZE,
);
/** Read an event's `{manual, signaled}`. `_IOR('N', 0x8d, struct ntsync_event_args)` */
export const NTSYNC_IOC_EVENT_READ: number = ioc(
  IOC_READ,
  0x8d,
  NTSYNC_EVENT_ARGS_SIZE,
);

/** All 14 request codes by their header name, for tables and diagnostics. */
export const NTSYNC_IOC: Readonly<Record<string, number>> = Object.freeze({
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ANY,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_EVENT_READ,
});

/**
 * What to call `request` in an error message: its header name, or
 * `ioctl 0x…` for a code ntsync does not define.
 */
export function requestLabel(request: number): string {
  return requestName(request) ??
    `ioctl 0x${(request >>> 0).toString(16).padStart(8, "0")}`;
}

/**
 * The header name of a request code, or `undefined` for a code the driver
 * does not know (which it answers with ENOTTY).
 */
export function requestName(request: number): string | undefined {
  return NAMES.get(request);
}

// Built once: error messages name the request, and a timed-out poll in a
// loop makes one per call.
const NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(NTSYNC_IOC).map(([name, code]) => [code, name]),
);
