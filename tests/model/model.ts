/**
 * The reference model: a small, sequential, obviously-correct implementation
 * of the ioctl surface over plain JavaScript objects, written from
 * the kernel's semantics (docs/semantics.md) alone (not from the engine), so that the fuzz tests
 * compare two independent readings of the kernel's semantics.
 *
 * It has no wait queues: in one thread, with nothing else running, a wait
 * either acquires at once or times out. A wait that would block forever
 * (timeout U64_MAX or >= 2^63 with nothing acquirable) throws
 * {@linkcode ModelWouldBlock}; generators must not produce one.
 *
 * Every check is written in the order the kernel makes it, one line each,
 * with the kernel function it comes from.
 *
 * @module
 */

import type { Backend, ClockName, ShareToken } from "../../core/backend.ts";
import { NtsyncError } from "../../core/errors.ts";
import { argsOf, type WaitMemory } from "../../core/wait_memory.ts";
import { Errno } from "../../uapi/errno.ts";
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
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  NTSYNC_MAX_WAIT_COUNT,
  NTSYNC_WAIT_REALTIME,
  requestName,
} from "../../uapi/ioctl.ts";
import { accessible, readU64, readWords, writeWords } from "./memory.ts";
import {
  acquire,
  type ModelEvent,
  type ModelInstance,
  type ModelMutex,
  type ModelObject,
  type ModelSem,
  selectAll,
  selectAny,
  U32_MAX,
} from "./objects.ts";

/** Thrown by a wait that could only end by another thread's action. */
export class ModelWouldBlock extends Error {
  constructor() {
    super("model: this wait would block forever in a single thread");
    this.name = "ModelWouldBlock";
  }
}

/** A wake point: `obj` may now satisfy waiters. */
export type Wake = (obj: ModelObject) => void;

type FdEntry =
  | { readonly kind: "device"; readonly instance: ModelInstance }
  | { readonly kind: "object"; readonly obj: ModelObject };

/**
 * Which timeouts never expire. U64_MAX always (ntsync_schedule()). On CLOCK_MONOTONIC
 * every value of 2^63 and above blocks too (ntsync_schedule(), verified on 7.2.13); on
 * CLOCK_REALTIME the values 2^63 … 2^64-2 expire at once: measured on
 * Linux 7.2.13 in the real-kernel VM (tests/fuzz/probe_timeouts.ts), where
 * the kernel's measured behaviour is what counts.
 */
function neverExpires(timeout: bigint, flags: number): boolean {
  if (timeout === U64_MAX_BIG) return true;
  return (flags & NTSYNC_WAIT_REALTIME) === 0 && timeout >= 1n << 63n;
}
const U64_MAX_BIG = (1n << 64n) - 1n;
/** The first fd the model hands out (0-2 are stdio in a process). */
const FIRST_FD = 3;

function fail(errno: number, request: number): never {
  throw new NtsyncError(errno, requestName(request) ?? `ioctl ${request}`);
}

/**
 * One set of ntsync instances with the kernel's semantics, sequentially.
 * Implements {@linkcode Backend} so the fuzz runner drives it like the real
 * backends.
 */
export class ModelBackend implements Backend {
  /** The model reports itself as emulated: it has no device behind it. */
  readonly kind = "emulated" as const;
  /**
   * Called where the kernel would wake waiters: after a successful
   * SEM_RELEASE, MUTEX_UNLOCK, MUTEX_KILL or EVENT_SET, and for EVENT_PULSE
   * while the event is briefly signaled. The sequential model has nobody
   * to wake; the threaded scenarios plug their wait queues in here.
   */
  onWake: Wake = () => {};
  readonly #fds = new Map<number, FdEntry>();
  readonly #addresses = new Map<bigint, Int32Array | Uint32Array>();
  #nextAddress = 0x5eed_0000_1000n;
  #nextInstance = 1;

  /** A new instance, on the lowest free fd. */
  open(): number {
    return this.#install({
      kind: "device",
      instance: { id: this.#nextInstance++ },
    });
  }

  /** Like `close(fd)`: EBADF when the fd is not open. */
  close(fd: number): void {
    if (!this.#fds.delete(fd)) throw new NtsyncError(Errno.EBADF, "close");
  }

  /** A unique address standing for `objs`; reads resolve it back. */
  addressOf(objs: Int32Array | Uint32Array): bigint {
    const address = this.#nextAddress;
    this.#nextAddress += 0x1000n;
    this.#addresses.set(address, objs);
    return address;
  }

  /** The model's clocks; finite timeouts expire at once anyway. */
  now(clock: ClockName = "monotonic"): bigint {
    return clock === "realtime"
      ? BigInt(Date.now()) * 1_000_000n
      : BigInt(Math.round(performance.now() * 1e6));
  }

  /** The model is single-threaded: its one thread's id. */
  readonly threadId = 1;

  /** The model is single-threaded. */
  share(): ShareToken {
    throw new Error("model: share() is not supported");
  }

  /** The model is single-threaded: there is no other thread to reap. */
  reap(): void {
    throw new Error("model: reap() is not supported");
  }

  /** As `ioctl`, in a microtask. */
  ioctlAsync(
    fd: number,
    request: number,
    arg: ArrayBufferView | null,
  ): Promise<number> {
    return Promise.resolve().then(() => this.ioctl(fd, request, arg));
  }

  /** `tryIoctl` on the memory's args: the model's addresses never drop. */
  tryWait(fd: number, request: number, memory: WaitMemory): number {
    return this.tryIoctl(fd, request, argsOf("tryWait", memory));
  }

  /** `ioctlAsync` on the memory's args. */
  async waitAsync(
    fd: number,
    request: number,
    memory: WaitMemory,
  ): Promise<number> {
    return await this.ioctlAsync(fd, request, argsOf("waitAsync", memory));
  }

  /** As `ioctl`, with a failure returned as the negated errno. */
  tryIoctl(fd: number, request: number, arg: ArrayBufferView | null): number {
    try {
      return this.ioctl(fd, request, arg);
    } catch (err) {
      if (err instanceof NtsyncError) return -err.errno;
      throw err;
    }
  }

  /** `ioctl(fd, request, arg)` with the kernel's checks in the kernel's order. */
  ioctl(fd: number, request: number, arg: ArrayBufferView | null): number {
    const entry = this.#fds.get(fd);
    // The VFS rejects a closed fd before any driver code runs.
    if (entry === undefined) fail(Errno.EBADF, request);
    // ntsync_char_ioctl(), ntsync_obj_ioctl(): dispatch is an exact match per file type; anything else ENOTTY.
    if (entry.kind === "device") {
      switch (request) {
        case NTSYNC_IOC_CREATE_SEM:
          return this.#createSem(entry.instance, arg);
        case NTSYNC_IOC_CREATE_MUTEX:
          return this.#createMutex(entry.instance, arg);
        case NTSYNC_IOC_CREATE_EVENT:
          return this.#createEvent(entry.instance, arg);
        case NTSYNC_IOC_WAIT_ANY:
          return this.#wait(entry.instance, false, arg);
        case NTSYNC_IOC_WAIT_ALL:
          return this.#wait(entry.instance, true, arg);
      }
      return fail(Errno.ENOTTY, request);
    }
    const obj = entry.obj;
    switch (request) {
      case NTSYNC_IOC_SEM_RELEASE:
        return semRelease(obj, arg, this.onWake);
      case NTSYNC_IOC_SEM_READ:
        return semRead(obj, arg);
      case NTSYNC_IOC_MUTEX_UNLOCK:
        return mutexUnlock(obj, arg, this.onWake);
      case NTSYNC_IOC_MUTEX_KILL:
        return mutexKill(obj, arg, this.onWake);
      case NTSYNC_IOC_MUTEX_READ:
        return mutexRead(obj, arg);
      case NTSYNC_IOC_EVENT_SET:
      case NTSYNC_IOC_EVENT_RESET:
      case NTSYNC_IOC_EVENT_PULSE:
        return eventChange(obj, request, arg, this.onWake);
      case NTSYNC_IOC_EVENT_READ:
        return eventRead(obj, arg);
    }
    return fail(Errno.ENOTTY, request);
  }

  /** The object behind an object fd (for the threaded scenarios' queues). */
  objectOf(fd: number): ModelObject | undefined {
    const entry = this.#fds.get(fd);
    return entry?.kind === "object" ? entry.obj : undefined;
  }

  /** Lowest free fd, as open(2) and the creation ioctls choose (ntsync_obj_get_fd()). */
  #install(entry: FdEntry): number {
    let fd = FIRST_FD;
    while (this.#fds.has(fd)) fd++;
    this.#fds.set(fd, entry);
    return fd;
  }

  // ntsync_create_sem(): EFAULT, then count > max.
  #createSem(instance: ModelInstance, arg: ArrayBufferView | null): number {
    const request = NTSYNC_IOC_CREATE_SEM;
    if (!accessible(arg, 8)) fail(Errno.EFAULT, request);
    const [count, max] = readWords(arg, 8);
    if (count > max) fail(Errno.EINVAL, request);
    const sem: ModelSem = { type: "sem", instance, count, max };
    return this.#install({ kind: "object", obj: sem });
  }

  // ntsync_create_mutex(): EFAULT, then (owner == 0) != (count == 0).
  #createMutex(instance: ModelInstance, arg: ArrayBufferView | null): number {
    const request = NTSYNC_IOC_CREATE_MUTEX;
    if (!accessible(arg, 8)) fail(Errno.EFAULT, request);
    const [owner, count] = readWords(arg, 8);
    if ((owner === 0) !== (count === 0)) fail(Errno.EINVAL, request);
    const mutex: ModelMutex = {
      type: "mutex",
      instance,
      owner,
      count,
      abandoned: false,
    };
    return this.#install({ kind: "object", obj: mutex });
  }

  // ntsync_create_event(): EFAULT only; both fields stored as booleans.
  #createEvent(instance: ModelInstance, arg: ArrayBufferView | null): number {
    const request = NTSYNC_IOC_CREATE_EVENT;
    if (!accessible(arg, 8)) fail(Errno.EFAULT, request);
    const [manual, signaled] = readWords(arg, 8);
    const event: ModelEvent = {
      type: "event",
      instance,
      manual: manual !== 0,
      signaled: signaled !== 0,
    };
    return this.#install({ kind: "object", obj: event });
  }

  /** setup_wait() validation, then ntsync_wait_any(), docs/semantics.md#alerts selection without queues. */
  #wait(
    instance: ModelInstance,
    all: boolean,
    arg: ArrayBufferView | null,
  ): number {
    const request = all ? NTSYNC_IOC_WAIT_ALL : NTSYNC_IOC_WAIT_ANY;
    // 1. The 40-byte struct is read.
    if (!accessible(arg, 40)) fail(Errno.EFAULT, request);
    const timeout = readU64(arg, 0);
    const objs = readU64(arg, 8);
    const [count, _index, flags, owner, alert, pad] = readWords(arg, 40)
      .slice(4);
    // 2. pad, unknown flag bits.
    if (pad !== 0 || (flags & ~NTSYNC_WAIT_REALTIME) !== 0) {
      fail(Errno.EINVAL, request);
    }
    // 3. owner 0 (kernels with the 2026 fix, docs/semantics.md#owner-0-on-older-kernels).
    if (owner === 0) fail(Errno.EINVAL, request);
    // 4. count > 64, before objs is read.
    if (count > NTSYNC_MAX_WAIT_COUNT) fail(Errno.EINVAL, request);
    // 5. objs[count] is read; nothing is read for count 0.
    const fds = this.#readObjs(objs, count, request);
    // 7. Entries, then the alert if nonzero, resolved in order (the alert's
    // type is not checked). `alert` is a __u32 the kernel passes as an int fd.
    if (alert !== 0) fds.push(alert | 0);
    const entries: ModelObject[] = [];
    for (const fd of fds) {
      const entry = this.#fds.get(fd);
      if (entry?.kind !== "object" || entry.obj.instance !== instance) {
        fail(Errno.EINVAL, request);
      }
      if (all && entries.includes(entry.obj)) fail(Errno.EINVAL, request);
      entries.push(entry.obj);
    }
    const chosen = all
      ? selectAll(entries, count, owner)
      : selectAny(entries, owner);
    if (chosen === undefined) {
      if (neverExpires(timeout, flags)) throw new ModelWouldBlock();
      // A single thread: nothing can change until the timeout expires.
      fail(Errno.ETIMEDOUT, request);
    }
    let ownerDead = false;
    for (const obj of chosen.acquire) {
      if (acquire(obj, owner)) ownerDead = true;
    }
    writeWords(arg, 20, [chosen.index]);
    if (ownerDead) fail(Errno.EOWNERDEAD, request);
    return 0;
  }

  #readObjs(address: bigint, count: number, request: number): number[] {
    if (count === 0) return [];
    const view = this.#addresses.get(address);
    // A transferred buffer's view has length 0: not live any more.
    if (view === undefined || view.length < count) fail(Errno.EFAULT, request);
    return Array.from(view.subarray(0, count), (v) => v | 0);
  }
}

// ntsync_sem_release(): EFAULT (before the type), EINVAL type, EOVERFLOW (nothing written).
function semRelease(
  obj: ModelObject,
  arg: ArrayBufferView | null,
  wake: Wake,
): number {
  const request = NTSYNC_IOC_SEM_RELEASE;
  if (!accessible(arg, 4)) fail(Errno.EFAULT, request);
  const [n] = readWords(arg, 4);
  if (obj.type !== "sem") fail(Errno.EINVAL, request);
  const prev = obj.count;
  if (prev + n > U32_MAX || prev + n > obj.max) fail(Errno.EOVERFLOW, request);
  obj.count = prev + n;
  wake(obj);
  writeWords(arg, 0, [prev]);
  return 0;
}

// ntsync_*_read(): type first, then the copy.
function semRead(obj: ModelObject, arg: ArrayBufferView | null): number {
  const request = NTSYNC_IOC_SEM_READ;
  if (obj.type !== "sem") fail(Errno.EINVAL, request);
  if (!accessible(arg, 8)) fail(Errno.EFAULT, request);
  writeWords(arg, 0, [obj.count, obj.max]);
  return 0;
}

// ntsync_mutex_unlock(): EFAULT, owner 0, type, EPERM; the previous count goes to `count` only.
function mutexUnlock(
  obj: ModelObject,
  arg: ArrayBufferView | null,
  wake: Wake,
): number {
  const request = NTSYNC_IOC_MUTEX_UNLOCK;
  if (!accessible(arg, 8)) fail(Errno.EFAULT, request);
  const [owner] = readWords(arg, 8);
  if (owner === 0) fail(Errno.EINVAL, request);
  if (obj.type !== "mutex") fail(Errno.EINVAL, request);
  if (obj.owner !== owner) fail(Errno.EPERM, request);
  const prev = obj.count;
  obj.count = prev - 1;
  if (obj.count === 0) obj.owner = 0;
  wake(obj);
  writeWords(arg, 4, [prev]);
  return 0;
}

// ntsync_mutex_kill(): EFAULT, owner 0, type, EPERM; then abandoned {0, 0}.
function mutexKill(
  obj: ModelObject,
  arg: ArrayBufferView | null,
  wake: Wake,
): number {
  const request = NTSYNC_IOC_MUTEX_KILL;
  if (!accessible(arg, 4)) fail(Errno.EFAULT, request);
  const [owner] = readWords(arg, 4);
  if (owner === 0) fail(Errno.EINVAL, request);
  if (obj.type !== "mutex") fail(Errno.EINVAL, request);
  if (obj.owner !== owner) fail(Errno.EPERM, request);
  obj.owner = 0;
  obj.count = 0;
  obj.abandoned = true;
  wake(obj);
  return 0;
}

// ntsync_*_read(): type, copy; an abandoned mutex is written ({0,0}) and then EOWNERDEAD.
function mutexRead(obj: ModelObject, arg: ArrayBufferView | null): number {
  const request = NTSYNC_IOC_MUTEX_READ;
  if (obj.type !== "mutex") fail(Errno.EINVAL, request);
  if (!accessible(arg, 8)) fail(Errno.EFAULT, request);
  writeWords(arg, 0, [obj.owner, obj.count]);
  if (obj.abandoned) fail(Errno.EOWNERDEAD, request);
  return 0;
}

// ntsync_event_set(): type first; the change happens; then the previous state is written
// (EFAULT after the change). With no waiters a pulse just leaves it unsignaled.
function eventChange(
  obj: ModelObject,
  request: number,
  arg: ArrayBufferView | null,
  wake: Wake,
): number {
  if (obj.type !== "event") fail(Errno.EINVAL, request);
  const prev = obj.signaled;
  if (request === NTSYNC_IOC_EVENT_RESET) obj.signaled = false;
  else {
    obj.signaled = true;
    wake(obj);
    if (request === NTSYNC_IOC_EVENT_PULSE) obj.signaled = false;
  }
  if (!accessible(arg, 4)) fail(Errno.EFAULT, request);
  writeWords(arg, 0, [prev ? 1 : 0]);
  return 0;
}

// ntsync_*_read(): type, then the copy of {manual, signaled} as 0/1.
function eventRead(obj: ModelObject, arg: ArrayBufferView | null): number {
  const request = NTSYNC_IOC_EVENT_READ;
  if (obj.type !== "event") fail(Errno.EINVAL, request);
  if (!accessible(arg, 8)) fail(Errno.EFAULT, request);
  writeWords(arg, 0, [obj.manual ? 1 : 0, obj.signaled ? 1 : 0]);
  return 0;
}
