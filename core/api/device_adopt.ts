/**
 * Adopting an fd (`device.semaphore(fd)`, `mutex(fd)`, `event(fd)`): the
 * check that it is an object of that kind on this very instance, made
 * without changing any state.
 *
 * @module
 */

import { NtsyncError } from "../errors.ts";
import { Errno } from "../../uapi/errno.ts";
import { NTSYNC_IOC_WAIT_ALL } from "../../uapi/ioctl.ts";
import { WAIT_WORD } from "../../uapi/structs.ts";
import type { Device } from "./device.ts";
import type { ObjectKind } from "./object.ts";
import { describe, U32_MAX } from "./validate.ts";
import type { WaitSlot } from "./wait_slot.ts";

/** "a semaphore", "a mutex", "an event". */
function an(kind: ObjectKind): string {
  return kind === "event" ? "an event" : `a ${kind}`;
}

/**
 * Check that `fd` is a `kind` object of `device`'s instance, without
 * changing any state: its READ ioctl (into `scratch`, 8 bytes) fails EINVAL
 * for another type (ENOTTY, EBADF for what is not an object), and a poll
 * WAIT_ALL on `{guard, fd}` (encoded in `slot`), where `guard` is an event
 * of this instance that is never signaled, is EINVAL for another instance's
 * object and otherwise times out: a WAIT_ALL takes nothing while one of its
 * objects is unsignaled, whatever another thread releases meanwhile.
 *
 * (Naming `fd` as the alert of a WAIT_ALL of no objects is not enough: the
 * kernel queues the alert entry on `fd` before it finds the empty set
 * satisfied, and a release or unlock in between hands `fd` to the probe, as
 * `try_wake_any_sem()` and `try_wake_any_mutex()` serve any waiter queued.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * import { checkAdoptable } from "./device_adopt.ts";
 * import { WaitSlot } from "./wait_slot.ts";
 * import { NTSYNC_IOC_EVENT_READ, NTSYNC_IOC_SEM_READ } from "../../uapi/ioctl.ts";
 * using dev = openDevice("emulated");
 * using other = openDevice("emulated");
 * using sem = dev.createSemaphore(0, 1);
 * using guard = dev.createEvent({ manual: true });
 * const slot = new WaitSlot(dev.backend), scratch = new DataView(new ArrayBuffer(8));
 * checkAdoptable(dev, slot, scratch, "semaphore", sem.fd, NTSYNC_IOC_SEM_READ, guard.fd);
 * assert.throws(
 *   () => checkAdoptable(dev, slot, scratch, "event", sem.fd, NTSYNC_IOC_EVENT_READ, guard.fd),
 *   /is not an event/,
 * );
 * assert.throws(
 *   () => checkAdoptable(other, slot, scratch, "semaphore", sem.fd, NTSYNC_IOC_SEM_READ, guard.fd),
 *   /of another device/,
 * );
 * ```
 *
 * @throws {TypeError} when `fd` is not a `kind` object of this device.
 */
export function checkAdoptable(
  device: Device,
  slot: WaitSlot,
  scratch: DataView,
  kind: ObjectKind,
  fd: number,
  readRequest: number,
  guard: number,
): void {
  if (typeof fd !== "number" || (fd >>> 0) !== fd || fd > 0x7FFF_FFFF) {
    throw new TypeError(
      `${kind}: fd must be a non-negative integer fd, got ${describe(fd)}`,
    );
  }
  try {
    device.backend.ioctl(fd, readRequest, scratch);
  } catch (err) {
    // A reaped thread's calls all fail ESRCH: that says nothing of `fd`.
    if (!(err instanceof NtsyncError) || err.errno === Errno.ESRCH) throw err;
    // MUTEX_READ reports an abandoned mutex as EOWNERDEAD: still a mutex.
    if (kind !== "mutex" || err.errno !== Errno.EOWNERDEAD) {
      throw new TypeError(
        `${kind}: fd ${fd} is not ${an(kind)} (${err.code})`,
        {
          cause: err,
        },
      );
    }
  }
  const words = slot.words;
  slot.plain = false; // its owner is not the thread's
  words[WAIT_WORD.timeout] = 0; // poll
  words[WAIT_WORD.timeout + 1] = 0;
  words[WAIT_WORD.count] = 2;
  words[WAIT_WORD.flags] = 0;
  words[WAIT_WORD.owner] = U32_MAX; // any nonzero id: nothing is acquired
  words[WAIT_WORD.alert] = 0;
  words[WAIT_WORD.pad] = 0;
  slot.objs[0] = guard;
  slot.objs[1] = fd;
  slot.alert = undefined;
  try {
    device.backend.ioctl(device.fd, NTSYNC_IOC_WAIT_ALL, slot.args);
  } catch (err) {
    if (err instanceof NtsyncError && err.errno === Errno.ETIMEDOUT) return;
    if (err instanceof NtsyncError && err.errno === Errno.EINVAL) {
      throw new TypeError(
        `${kind}: fd ${fd} is ${an(kind)} of another device`,
        { cause: err },
      );
    }
    throw err;
  }
  // The guard is never signaled: a WAIT_ALL over it cannot succeed.
  throw new Error(`${kind}: the adoption check's guard event was signaled`);
}
