/**
 * Linux x86-64 errno numbers that the ntsync driver (and the ioctl(2) path in
 * front of it) can return, with their symbolic names.
 *
 * @module
 */

/** The errno values this module can report, keyed by their C name. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  ENXIO: 6,
  EBADF: 9,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  ENODEV: 19,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ESPIPE: 29,
  EROFS: 30,
  EOVERFLOW: 75,
  ETIMEDOUT: 110,
  EOWNERDEAD: 130,
} as const;

/** A symbolic errno name such as `"EINVAL"`. */
export type ErrnoName = keyof typeof Errno;

/** Every errno name this module knows, indexed by number (sparse). */
const NAMES: Record<number, ErrnoName> = Object.fromEntries(
  Object.entries(Errno).map(([name, value]) => [value, name as ErrnoName]),
);

/**
 * The C name of an errno number, or `"E<number>"` for one this module does
 * not list (the native backend can see any errno the C library reports).
 *
 * @example
 * ```ts
 * import { errnoName } from "./errno.ts";
 * errnoName(22); // "EINVAL"
 * ```
 */
export function errnoName(errno: number): string {
  return NAMES[errno] ?? `E${errno}`;
}
