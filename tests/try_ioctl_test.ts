/**
 * `Backend.tryIoctl` answers every call as `ioctl` does, only with the
 * negated errno where `ioctl` throws: each case below runs twice on fresh
 * objects, once through each, and both must agree on the result, the bytes
 * written back and the objects' states afterwards.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Backend } from "../core/backend.ts";
import { NtsyncError } from "../core/errors.ts";
import { backendsUnderTest } from "./_backends.ts";
import { assertTwoWaysAgree, type TwoWayCase } from "./_two_ways.ts";
import { Errno } from "../uapi/errno.ts";
import {
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
} from "../uapi/ioctl.ts";
import { MutexArgs, WaitArgs } from "../uapi/structs.ts";
import { waitArgs } from "../conformance/ops.ts";
import {
  createEvent,
  createMutex,
  createSem,
  fdOf,
  readEvent,
  readSem,
} from "./_tuples.ts";

type Call = (
  fd: number,
  request: number,
  arg: ArrayBufferView | null,
) => number;

/** A case (see tests/_two_ways.ts), made through one `Call`. */
type Case = TwoWayCase<Call>;

/** A poll's args for `objs` (index preset, to see whether it is written). */
function pollArgs(nt: Backend, objs: Int32Array, owner = 1): DataView {
  return waitArgs(nt, objs, { timeout: 0n, index: 0xdead_beef, owner }).args;
}

const CASES: Record<string, Case> = {
  "CREATE returns the fd": (nt, dev, call, own) => {
    const fd = own(call(dev, NTSYNC_IOC_CREATE_SEM, new Uint32Array([1, 2])));
    return [fd > 2, readSem(nt, fd)];
  },
  "SEM_RELEASE writes the previous count": (nt, dev, call, own) => {
    const sem = own(createSem(nt, dev, 1, 3));
    const arg = new Uint32Array([2]);
    return [call(sem, NTSYNC_IOC_SEM_RELEASE, arg), arg[0], readSem(nt, sem)];
  },
  "EOVERFLOW leaves the semaphore alone": (nt, dev, call, own) => {
    const sem = own(createSem(nt, dev, 2, 3));
    const arg = new Uint32Array([2]);
    return [call(sem, NTSYNC_IOC_SEM_RELEASE, arg), arg[0], readSem(nt, sem)];
  },
  "EBADF for -1 and a closed fd": (nt, dev, call) => {
    const sem = fdOf(createSem(nt, dev, 0, 1));
    nt.close(sem);
    const arg = new Uint32Array(2);
    return [
      call(-1, NTSYNC_IOC_SEM_READ, arg),
      call(sem, NTSYNC_IOC_SEM_READ, arg),
    ];
  },
  "ENOTTY for an object request on the device": (_nt, dev, call) => [
    call(dev, NTSYNC_IOC_EVENT_SET, new Uint32Array(1)),
  ],
  "EINVAL for a semaphore request on an event": (nt, dev, call, own) => {
    const ev = own(createEvent(nt, dev, 0, 0));
    return [call(ev, NTSYNC_IOC_SEM_READ, new Uint32Array(2))];
  },
  "EFAULT after EVENT_SET has set the event": (nt, dev, call, own) => {
    const ev = own(createEvent(nt, dev, 0, 0));
    return [call(ev, NTSYNC_IOC_EVENT_SET, null), readEvent(nt, ev)];
  },
  "EVENT_SET twice through the same fd": (nt, dev, call, own) => {
    const ev = own(createEvent(nt, dev, 0, 0));
    const arg = new Uint32Array([7]);
    const first = call(ev, NTSYNC_IOC_EVENT_SET, arg);
    const prev1 = arg[0];
    const second = call(ev, NTSYNC_IOC_EVENT_SET, arg);
    return [first, prev1, second, arg[0], readEvent(nt, ev)];
  },
  "a poll that times out leaves index alone": (nt, dev, call, own) => {
    const sem = own(createSem(nt, dev, 0, 1));
    const objs = new Int32Array([sem]);
    const args = pollArgs(nt, objs);
    return [call(dev, NTSYNC_IOC_WAIT_ANY, args), WaitArgs.read(args).index];
  },
  "a poll on an event that times out": (nt, dev, call, own) => {
    const ev = own(createEvent(nt, dev, 0, 0));
    const objs = new Int32Array([ev]);
    const args = pollArgs(nt, objs);
    return [call(dev, NTSYNC_IOC_WAIT_ANY, args), WaitArgs.read(args).index];
  },
  "a wait that acquires writes index": (nt, dev, call, own) => {
    const a = own(createSem(nt, dev, 0, 1));
    const b = own(createEvent(nt, dev, 0, 1));
    const objs = new Int32Array([a, b]);
    const args = pollArgs(nt, objs);
    return [
      call(dev, NTSYNC_IOC_WAIT_ANY, args),
      WaitArgs.read(args).index,
      readEvent(nt, b),
    ];
  },
  "EOWNERDEAD writes index too": (nt, dev, call, own) => {
    const m = own(createMutex(nt, dev, 5, 1));
    nt.ioctl(m, NTSYNC_IOC_MUTEX_KILL, MutexArgs.alloc({ owner: 5 }));
    const objs = new Int32Array([m]);
    const args = pollArgs(nt, objs, 6);
    return [call(dev, NTSYNC_IOC_WAIT_ALL, args), WaitArgs.read(args).index];
  },
  "EINVAL for a wait-all naming an object twice": (nt, dev, call, own) => {
    const sem = own(createSem(nt, dev, 1, 1));
    const objs = new Int32Array([sem, sem]);
    const args = pollArgs(nt, objs);
    return [call(dev, NTSYNC_IOC_WAIT_ALL, args), readSem(nt, sem)];
  },
  "EFAULT for a wait without arguments": (_nt, dev, call) => [
    call(dev, NTSYNC_IOC_WAIT_ANY, null),
  ],
};

/** `ioctl`, with a thrown NtsyncError turned into -errno. */
function viaThrow(nt: Backend): Call {
  return (fd, request, arg) => {
    try {
      return nt.ioctl(fd, request, arg);
    } catch (err) {
      if (err instanceof NtsyncError) return -err.errno;
      throw err;
    }
  };
}

for (const nt of backendsUnderTest()) {
  Deno.test(`tryIoctl: ${nt.kind} has it, and answers as ioctl does`, () => {
    assert.equal(typeof nt.tryIoctl, "function");
    const direct: Call = (fd, request, arg) => nt.tryIoctl!(fd, request, arg);
    assertTwoWaysAgree(nt, CASES, [viaThrow(nt), direct], [
      Errno.EBADF,
      Errno.ENOTTY,
      Errno.EINVAL,
      Errno.EFAULT,
      Errno.EOVERFLOW,
      Errno.ETIMEDOUT,
      Errno.EOWNERDEAD,
    ]);
  });
}
