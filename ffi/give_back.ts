/**
 * What a reaped thread's wait acquired after all, given back.
 *
 * Reap sets the private alert of the thread's waits, but the kernel's
 * `ntsync_wait_any()` tries the objects before the alert, and a wait that
 * entered the kernel just after reap looked can find an object free: the
 * zombie is then granted a semaphore unit, an auto-reset event or a mutex
 * it will never release (its next call fails ESRCH). The native backend
 * undoes such a grant as the engine's reap undoes a claimed wait (see
 * docs/semantics.md#threads-workers-and-reap): a semaphore gets its unit back (unless
 * released to its maximum since), an auto-reset event is set again, and a
 * mutex is unlocked once, or killed (abandoned again) when the wait found it
 * abandoned. A manual-reset event was never taken.
 *
 * One case cannot be undone exactly: a WAIT_ALL that reported EOWNERDEAD
 * over several mutexes does not say which of them had been abandoned; every
 * one of them that the wait took from unowned is then killed (abandoned, as
 * a dead owner's mutex is).
 *
 * @module
 */

import { Errno } from "../uapi/errno.ts";
import {
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_RELEASE,
} from "../uapi/ioctl.ts";
import type { Libc, LibcSymbols } from "./libc_table.ts";

/** What a wait that a reap overtook acquired. */
export interface Grant {
  /** The fds the kernel waited on (a private copy: the kernel's view). */
  readonly objs: Int32Array;
  /** How many of them. */
  readonly count: number;
  /** WAIT_ALL (every object) or WAIT_ANY (`objs[index]`). */
  readonly all: boolean;
  /** The index the kernel wrote. */
  readonly index: number;
  /** The wait's owner id (what its mutexes are owned by now). */
  readonly owner: number;
  /** The wait ended EOWNERDEAD: a mutex it took had been abandoned. */
  readonly abandoned: boolean;
}

/**
 * Undo `grant` with `s`; `errno` is where the last failure's errno is.
 * Failures are expected and ignored: an object closed meanwhile, a mutex
 * reap killed in the meantime (EPERM).
 */
export function giveBack(
  s: LibcSymbols,
  errno: Libc["errno"],
  grant: Grant,
): void {
  const { objs, count, all, index } = grant;
  if (index >= count) return; // the alert: nothing acquired
  const word = new Uint32Array(2);
  const first = all ? 0 : index, end = all ? count : index + 1;
  for (let i = first; i < end; i++) {
    giveBackOne(s, errno, objs[i], grant, word);
  }
}

function giveBackOne(
  s: LibcSymbols,
  errno: Libc["errno"],
  fd: number,
  grant: Grant,
  word: Uint32Array,
): void {
  const call = (req: number) => s.ioctl(fd, BigInt(req), word) !== -1;
  // A mutex? Its state says whether this wait is what made it owned.
  if (call(NTSYNC_IOC_MUTEX_READ) || errno[0] === Errno.EOWNERDEAD) {
    if (word[0] !== grant.owner) return; // reap killed it meanwhile
    word[0] = grant.owner;
    const killIt = grant.abandoned && word[1] === 1;
    call(killIt ? NTSYNC_IOC_MUTEX_KILL : NTSYNC_IOC_MUTEX_UNLOCK);
    return;
  }
  if (errno[0] !== Errno.EINVAL) return; // closed: it went with its fd
  word[0] = 1;
  if (call(NTSYNC_IOC_SEM_RELEASE)) return;
  if (errno[0] !== Errno.EINVAL) return; // EOVERFLOW: at its maximum since
  if (!call(NTSYNC_IOC_EVENT_READ)) return;
  if (word[0] === 0) call(NTSYNC_IOC_EVENT_SET); // auto-reset: set again
}
