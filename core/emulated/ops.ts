/**
 * The object and creation ioctls of the emulated device, each with the
 * kernel's checks in the kernel's order (docs/semantics.md#errors-call-by-call;
 * each function below names the kernel function it follows).
 *
 * Every function runs under the device lock, writes shared memory only
 * through the undo journal (`st.w`), and returns the ioctl's result (>= 0)
 * or a negated errno; the caller throws after unlocking. `arg` is the
 * caller's buffer as a DataView, or `null` for a bad pointer; a view too
 * short for the copy is a bad pointer too.
 *
 * @module
 */

import { Errno } from "../../uapi/errno.ts";
import { HOST_LITTLE_ENDIAN as LE } from "../../uapi/struct.ts";
import {
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
} from "../../uapi/ioctl.ts";
import {
  EVENT_MANUAL,
  MUTEX_ABANDONED,
  MUTEX_COUNT,
  MUTEX_OWNER,
  O_TYPE,
  SEM_COUNT,
  SEM_MAX,
  T_EVENT,
  T_MUTEX,
  T_SEM,
} from "./layout.ts";
import type { SharedState } from "./state.ts";

const EFAULT = -Errno.EFAULT;
const EINVAL = -Errno.EINVAL;
const ENOTTY = -Errno.ENOTTY;
const EPERM = -Errno.EPERM;
const EOVERFLOW = -Errno.EOVERFLOW;

/** Can `arg` hold `size` bytes? (else the kernel's copy would fault) */
function fits(arg: DataView | null, size: number): arg is DataView {
  return arg !== null && arg.byteLength >= size;
}

/** CREATE_SEM / CREATE_MUTEX / CREATE_EVENT on a device fd. */
export function deviceIoctl(
  st: SharedState,
  instance: number,
  request: number,
  arg: DataView | null,
): number {
  let type: number;
  switch (request) {
    case NTSYNC_IOC_CREATE_SEM:
      type = T_SEM;
      break;
    case NTSYNC_IOC_CREATE_MUTEX:
      type = T_MUTEX;
      break;
    case NTSYNC_IOC_CREATE_EVENT:
      type = T_EVENT;
      break;
    default:
      return ENOTTY;
  }
  if (!fits(arg, 8)) return EFAULT;
  let a = arg.getUint32(0, LE), b = arg.getUint32(4, LE);
  if (type === T_SEM && a > b) return EINVAL; // {count, max}
  if (type === T_MUTEX && (a === 0) !== (b === 0)) return EINVAL; // {owner, count}
  if (type === T_EVENT) { // {manual, signaled}, stored as booleans
    a = a ? 1 : 0;
    b = b ? 1 : 0;
  }
  return st.createObject(instance, type, a, b); // the fd, EMFILE or ENOMEM
}

/** The ioctls issued on an object fd. */
export function objectIoctl(
  st: SharedState,
  obj: number,
  request: number,
  arg: DataView | null,
): number {
  const u32 = st.u32, at = st.pinObject(obj), type = u32[at + O_TYPE];
  switch (request) {
    case NTSYNC_IOC_SEM_RELEASE: {
      if (!fits(arg, 4)) return EFAULT;
      const amount = arg.getUint32(0, LE);
      if (type !== T_SEM) return EINVAL;
      const prev = u32[at + SEM_COUNT];
      if (prev + amount > u32[at + SEM_MAX]) return EOVERFLOW; // also catches u32 wrap
      st.write(at + SEM_COUNT, prev + amount);
      if (amount !== 0) st.wake(obj);
      arg.setUint32(0, prev, LE);
      return 0;
    }
    case NTSYNC_IOC_MUTEX_UNLOCK: {
      if (!fits(arg, 8)) return EFAULT;
      const owner = arg.getUint32(0, LE);
      if (owner === 0 || type !== T_MUTEX) return EINVAL;
      if (u32[at + MUTEX_OWNER] !== owner) return EPERM;
      const prev = u32[at + MUTEX_COUNT];
      st.write(at + MUTEX_COUNT, prev - 1);
      if (prev === 1) st.write(at + MUTEX_OWNER, 0);
      // Even a still-owned mutex may wake: its owner may be queued at the
      // recursion limit (docs/semantics.md#mutex-recursion-and-abandonment).
      st.wake(obj);
      arg.setUint32(4, prev, LE);
      return 0;
    }
    case NTSYNC_IOC_MUTEX_KILL: {
      if (!fits(arg, 4)) return EFAULT;
      const owner = arg.getUint32(0, LE);
      if (owner === 0 || type !== T_MUTEX) return EINVAL;
      if (u32[at + MUTEX_OWNER] !== owner) return EPERM;
      st.write(at + MUTEX_OWNER, 0);
      st.write(at + MUTEX_COUNT, 0);
      st.write(at + MUTEX_ABANDONED, 1);
      st.wake(obj);
      return 0;
    }
    case NTSYNC_IOC_EVENT_SET:
    case NTSYNC_IOC_EVENT_RESET:
    case NTSYNC_IOC_EVENT_PULSE: {
      if (type !== T_EVENT) return EINVAL;
      const prev = st.eventSignaled(at) ? 1 : 0;
      if (request === NTSYNC_IOC_EVENT_RESET) {
        st.setEventSignaled(at, false);
      } else {
        st.setEventSignaled(at, true);
        st.wake(obj);
        if (request === NTSYNC_IOC_EVENT_PULSE) st.setEventSignaled(at, false);
      }
      // The state has changed already: a bad pointer now only costs the caller
      // the previous state, as in `ntsync_event_set()`.
      return writeWord(arg, prev);
    }
    case NTSYNC_IOC_SEM_READ:
      if (type !== T_SEM) return EINVAL;
      return writePair(arg, u32[at + SEM_COUNT], u32[at + SEM_MAX]);
    case NTSYNC_IOC_EVENT_READ:
      if (type !== T_EVENT) return EINVAL;
      return writePair(
        arg,
        u32[at + EVENT_MANUAL],
        st.eventSignaled(at) ? 1 : 0,
      );
    case NTSYNC_IOC_MUTEX_READ: {
      if (type !== T_MUTEX) return EINVAL;
      const r = writePair(arg, u32[at + MUTEX_OWNER], u32[at + MUTEX_COUNT]);
      // Abandoned: {0, 0} is written and the read still fails, as in
      // `ntsync_mutex_read()` (docs/semantics.md#reading-state).
      return r === 0 && u32[at + MUTEX_ABANDONED] !== 0 ? -Errno.EOWNERDEAD : r;
    }
    default:
      return ENOTTY;
  }
}

/** Copy one `__u32` out to `arg`: 0, or EFAULT (negated) where it cannot go. */
export function writeWord(arg: DataView | null, value: number): number {
  if (!fits(arg, 4)) return EFAULT;
  arg.setUint32(0, value, LE);
  return 0;
}

/** Copy a pair of `__u32` out to `arg`: 0, or EFAULT (negated). */
export function writePair(
  arg: DataView | null,
  first: number,
  second: number,
): number {
  if (!fits(arg, 8)) return EFAULT;
  arg.setUint32(0, first, LE);
  arg.setUint32(4, second, LE);
  return 0;
}
