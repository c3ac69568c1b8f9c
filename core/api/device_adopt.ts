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
 * for another type (ENOTTY, EBADF for what is not an object), and a
 * wait-all on no objects with `fd` as alert (encoded in `slot`) is EINVAL
 * for another instance's object and otherwise succeeds at once without
 * touching the alert (docs/semantics.md#alerts).
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
 * const slot = new WaitSlot(dev.backend), scratch = new DataView(new ArrayBuffer(8));
 * checkAdoptable(dev, slot, scratch, "semaphore", sem.fd, NTSYNC_IOC_SEM_READ);
 * assert.throws(
 *   () => checkAdoptable(dev, slot, scratch, "event", sem.fd, NTSYNC_IOC_EVENT_READ),
 *   /is not an event/,
 * );
 * assert.throws(
 *   () => checkAdoptable(other, slot, scratch, "semaphore", sem.fd, NTSYNC_IOC_SEM_READ),
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
  words[WAIT_WORD.timeout] = 0; // poll (the probe never blocks anyway)
  words[WAIT_WORD.timeout + 1] = 0;
  words[WAIT_WORD.count] = 0;
  words[WAIT_WORD.flags] = 0;
  words[WAIT_WORD.owner] = U32_MAX; // any nonzero id: nothing is acquired
  words[WAIT_WORD.alert] = fd;
  words[WAIT_WORD.pad] = 0;
  slot.alert = undefined;
  try {
    device.backend.ioctl(device.fd, NTSYNC_IOC_WAIT_ALL, slot.args);
  } catch (err) {
    if (err instanceof NtsyncError && err.errno === Errno.EINVAL) {
      throw new TypeError(
        `${kind}: fd ${fd} is ${an(kind)} of another device`,
        { cause: err },
      );
    }
    throw err;
  }
}
