/**
 * The native backend: the real `/dev/ntsync` through libc.
 *
 * ## Memory safety: what reaches the kernel
 *
 * Every pointer handed to `ioctl(2)` is memory this module checked, or NULL.
 * An argument that is not an `ArrayBufferView` (nor `null`) is a TypeError
 * before any call. Where the caller's argument is `null`, detached, or
 * shorter than the request's struct, the kernel gets a NULL pointer: its
 * copy from or to user memory then fails with EFAULT at exactly the point of
 * its check order where it would touch the memory. So the final state and
 * errno are the kernel's own: a bad fd is still EBADF, an object request on
 * the device fd still ENOTTY, a read of the wrong object type still EINVAL,
 * and EVENT_SET/RESET/PULSE with a bad argument still set, reset or pulse
 * the event and then fail EFAULT. (NULL is never mapped in a Deno process.)
 *
 * - The 12 object and create requests: the caller's view is passed as is
 *   when it holds at least the struct's size (`uapi/ioctl.ts`).
 * - WAIT_ANY / WAIT_ALL: the 40 bytes are copied into private memory first
 *   (another thread cannot change them between check and use); `objs` is
 *   kept only if it points into a live view from {@linkcode
 *   NativeBackend.addressOf} with room for `count` entries, else it becomes
 *   NULL, and the kernel fails EFAULT after its own pad/flags, owner and
 *   count checks (setup_wait()). Only `index` is written back.
 * - Any other request code: the driver answers ENOTTY on ntsync fds, but a
 *   few generic ones (FIONBIO, FIOCLEX, ...) are handled by the VFS and
 *   other drivers may touch any amount of memory; the view's bytes are
 *   copied into a private 16 KiB buffer (the largest size an ioctl code can
 *   encode), the call made on it, and the bytes copied back.
 * - An fd that is not an integer in [0, 2^31) is EBADF without a call. A
 *   request that is not an integer in [-2^31, 2^32) (C code may pass the
 *   code as a signed int) is ENOTTY, or EBADF when the fd is not open.
 *
 * ## Threads
 *
 * Each attachment (the thread that opened the backend, and each
 * `attachBackend` of a `share()` token) is its own `NativeBackend` with its
 * own `threadId`; `reap` revokes one. See `attachment.ts` for how, and for
 * what the kernel makes impossible.
 *
 * ## errno
 *
 * Read from this thread's `errno` (mapped once, see `libc.ts`) right after
 * the failing call, before any other call. Async waits run on worker
 * threads that read their own errno (`wait_pool.ts`).
 *
 * @module
 */

import type {
  Backend,
  ClockName,
  IoctlAsyncOptions,
  ReapOptions,
  ShareToken,
} from "../core/backend.ts";
import { reapOwners } from "../core/reap.ts";
import {
  Cell,
  familyOf,
  newFamily,
  nextThreadId,
  trackedMutexes,
  trackMutex,
  untrackMutex,
} from "./attachment.ts";
import { NtsyncError } from "../core/errors.ts";
import { isDetached } from "../core/detached.ts";
import { argView } from "../core/arg_views.ts";
import { checkArg } from "../core/arg_check.ts";
import { Errno, errnoName } from "../uapi/errno.ts";
import {
  NTSYNC_EVENT_ARGS_SIZE,
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
  NTSYNC_MUTEX_ARGS_SIZE,
  NTSYNC_SEM_ARGS_SIZE,
  NTSYNC_WAIT_ARGS_SIZE,
  NTSYNC_WAIT_REALTIME,
  requestLabel,
} from "../uapi/ioctl.ts";
import { HOST_LITTLE_ENDIAN as LE } from "../uapi/struct.ts";
import { WAIT } from "../uapi/structs.ts";
import { osName, processId } from "../host/runtime.ts";
import { AddressRegistry, type FdArray, readFds } from "./addresses.ts";
import { NativeUnavailableError } from "./errors.ts";
import {
  adoptLibc,
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  cString,
  F_DUPFD_CLOEXEC,
  type Libc,
  libc,
  type LibcSymbols,
  O_CLOEXEC,
  O_RDONLY,
  probeLibc,
} from "./libc.ts";
import { waitPool } from "./wait_pool.ts";
import { giveBack } from "./give_back.ts";

export {
  NativeUnavailableError,
  type NativeUnavailableReason,
} from "./errors.ts";

/** The device node. */
export const NTSYNC_DEVICE_PATH = "/dev/ntsync";
const DEVICE = cString(NTSYNC_DEVICE_PATH);

/** Struct size of every ntsync request other than the waits. */
const FIXED_SIZE: ReadonlyMap<number, number> = new Map([
  [NTSYNC_IOC_CREATE_SEM, NTSYNC_SEM_ARGS_SIZE],
  [NTSYNC_IOC_SEM_RELEASE, 4],
  [NTSYNC_IOC_CREATE_MUTEX, NTSYNC_MUTEX_ARGS_SIZE],
  [NTSYNC_IOC_MUTEX_UNLOCK, NTSYNC_MUTEX_ARGS_SIZE],
  [NTSYNC_IOC_MUTEX_KILL, 4],
  [NTSYNC_IOC_CREATE_EVENT, NTSYNC_EVENT_ARGS_SIZE],
  [NTSYNC_IOC_EVENT_SET, 4],
  [NTSYNC_IOC_EVENT_RESET, 4],
  [NTSYNC_IOC_EVENT_PULSE, 4],
  [NTSYNC_IOC_SEM_READ, NTSYNC_SEM_ARGS_SIZE],
  [NTSYNC_IOC_MUTEX_READ, NTSYNC_MUTEX_ARGS_SIZE],
  [NTSYNC_IOC_EVENT_READ, NTSYNC_EVENT_ARGS_SIZE],
]);

/** Bytes of private memory an unknown request's argument is copied into. */
const UNKNOWN_ARG_BYTES = 16384;
/** `fcntl(2)` command that only asks whether an fd is open. */
const F_GETFD = 1;
/** Timeouts at or above 2^63 never expire (ntsync_schedule()). */
const NEVER = 1n << 63n;
/** How long reap waits for the reaped thread's waits to leave before closing its alerts. */
const QUIET_MS = 100;

/** Who a backend object is: its family's shared block, thread id and cell. */
export interface NativeIdentity {
  /** The family block (attachment.ts). */
  readonly family: Int32Array;
  /** This attachment's thread id. */
  readonly thread: number;
  /** This attachment's cell. */
  readonly cell: Cell;
  /** Made from a share token (so it can be reaped, and carries private alerts). */
  readonly attached: boolean;
}

/** A new family, and its first thread: the one opening the backend. */
function firstIdentity(): NativeIdentity {
  const family = newFamily();
  const thread = nextThreadId(family);
  return { family, thread, cell: Cell.create(thread), attached: false };
}

function esrch(operation: string): NtsyncError {
  return new NtsyncError(Errno.ESRCH, operation);
}

function isFd(fd: unknown): fd is number {
  return typeof fd === "number" && Number.isInteger(fd) && fd >= 0 &&
    fd <= 0x7fff_ffff;
}

/** The request as the kernel sees it (`unsigned int`), or undefined. */
function requestValue(request: unknown): number | undefined {
  if (
    typeof request !== "number" || !Number.isInteger(request) ||
    request < -0x8000_0000 || request > 0xffff_ffff
  ) return undefined;
  return request >>> 0;
}

/**
 * The view's length, or -1 when it is not a view, its buffer is detached,
 * or it is a DataView a resize left out of bounds (whose `byteLength`
 * throws).
 */
function viewLength(arg: unknown): number {
  if (!ArrayBuffer.isView(arg)) return -1;
  if (isDetached(arg.buffer)) return -1;
  try {
    return arg.byteLength;
  } catch {
    return -1;
  }
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/**
 * `/dev/ntsync` itself, behind the ioctl surface. Get it with
 * `getBackend("native")`; in a Worker, `attachBackend(token)` gives the
 * same fds (fds are process-wide).
 */
export class NativeBackend implements Backend {
  /** Always `"native"`. */
  readonly kind = "native" as const;
  readonly #s: LibcSymbols;
  readonly #errno: Libc["errno"];
  readonly #addresses: AddressRegistry;
  /** Private copy of a wait's arguments (what the kernel reads). */
  readonly #wait = new Uint8Array(NTSYNC_WAIT_ARGS_SIZE);
  readonly #waitView = new DataView(this.#wait.buffer);
  readonly #ts = new BigInt64Array(2);
  readonly #out4 = new Uint8Array(8);
  readonly #kill = new Uint32Array(1);
  readonly #family: Int32Array;
  readonly #thread: number;
  readonly #cell: Cell;
  readonly #attached: boolean;
  readonly #addressOf: (view: ArrayBufferView) => bigint;
  /**
   * An attachment's waits read their fds from here (a private copy made
   * before the kernel call), so that what a reaped wait acquired can be
   * given back exactly (see give_back.ts). Off the V8 heap: it never moves.
   */
  #grantFds?: Int32Array;
  #grantFdsAt = 0n;
  #unknown?: Uint8Array;

  /**
   * A backend over `lib` (this thread's libc; tests pass a fake). Use
   * {@linkcode openNativeBackend} rather than this.
   *
   * @param lib this thread's libc
   * @param identity who it is (default: the first thread of a new family)
   */
  constructor(lib: Libc, identity: NativeIdentity = firstIdentity()) {
    this.#s = lib.symbols;
    this.#errno = lib.errno;
    this.#addressOf = (v) => lib.addressOf(v);
    this.#addresses = new AddressRegistry(this.#addressOf);
    this.#family = identity.family;
    this.#thread = identity.thread;
    this.#cell = identity.cell;
    this.#attached = identity.attached;
  }

  /**
   * This attachment's thread id: nonzero, unique among all attachments of
   * the backend the process opened (each `share()` token mints one).
   */
  get threadId(): number {
    return this.#thread;
  }

  /** `open("/dev/ntsync", O_RDONLY | O_CLOEXEC)`: a new instance's fd. */
  open(): number {
    if (this.#cell.revoked) throw esrch(`open ${NTSYNC_DEVICE_PATH}`);
    const fd = this.#s.open(DEVICE, O_RDONLY | O_CLOEXEC);
    if (fd === -1) {
      const e = this.#errno[0];
      throw new NtsyncError(e, `open ${NTSYNC_DEVICE_PATH}`);
    }
    return fd;
  }

  /** `close(fd)`; EBADF for a value that is not an fd. */
  close(fd: number): void {
    if (this.#cell.revoked) throw esrch("close");
    if (!isFd(fd)) throw new NtsyncError(Errno.EBADF, "close");
    untrackMutex(this.#family, fd);
    const alert = this.#cell.dropAlert(fd);
    if (alert >= 0) this.#s.close(alert);
    if (this.#s.close(fd) === -1) {
      const e = this.#errno[0];
      throw new NtsyncError(e, "close");
    }
  }

  /**
   * `ioctl(fd, request, arg)` with the checks of the module doc: the new fd
   * for CREATE_*, else 0; NtsyncError with the kernel's errno on failure.
   */
  ioctl(fd: number, request: number, arg: ArrayBufferView | null): number {
    checkArg(arg, "ioctl");
    if (this.#cell.revoked) throw esrch(requestLabel(Number(request)));
    const req = this.#request(fd, request);
    if (req === NTSYNC_IOC_WAIT_ANY || req === NTSYNC_IOC_WAIT_ALL) {
      return this.#waitNow(fd, req, arg);
    }
    const size = FIXED_SIZE.get(req);
    if (size === undefined) return this.#other(fd, req, arg);
    const r = this.#s.ioctl(
      fd,
      BigInt(req),
      viewLength(arg) >= size ? arg : null,
    );
    if (r === -1) {
      const e = this.#errno[0];
      // Failed while a reap of this attachment ran (its MUTEX_KILL got in
      // before this unlock, say): the call overlapped the reap and changed
      // nothing, so it is one of the calls the reap fails.
      if (this.#cell.revoked) throw esrch(requestLabel(req));
      throw new NtsyncError(e, requestLabel(req));
    }
    if (req === NTSYNC_IOC_CREATE_MUTEX) trackMutex(this.#family, r);
    return r;
  }

  /**
   * As {@linkcode NativeBackend.ioctl}, but a failure comes back as the
   * negated errno instead of an `NtsyncError` (about a microsecond to
   * build). Waits take the direct path; other requests go through `ioctl`.
   */
  tryIoctl(fd: number, request: number, arg: ArrayBufferView | null): number {
    checkArg(arg, "ioctl");
    if (
      (request === NTSYNC_IOC_WAIT_ANY || request === NTSYNC_IOC_WAIT_ALL) &&
      isFd(fd) && viewLength(arg) >= NTSYNC_WAIT_ARGS_SIZE
    ) {
      if (this.#cell.revoked) return -Errno.ESRCH;
      return this.#waitHere(fd, request, arg!);
    }
    try {
      return this.ioctl(fd, request, arg);
    } catch (err) {
      if (err instanceof NtsyncError) return -err.errno;
      throw err;
    }
  }

  /**
   * As {@linkcode NativeBackend.ioctl}, but a wait does not block the event
   * loop. A wait first makes the kernel's attempt at wait start right here (with
   * a timeout in the past): what is acquirable now is acquired without
   * leaving this thread, and argument errors come back at once. Otherwise
   * the wait goes to a worker thread with duplicates of its fds (so closing
   * an fd after this call returns does not disturb it, as in the kernel,
   * where a wait holds its objects), and this call returns once the worker
   * is seen asleep in the kernel's queues (see `wait_pool.ts`).
   *
   * `options.signal` cancels the wait by signaling a private manual-reset
   * event on the wait's device that takes the `alert` slot (or, with an
   * alert already given, an extra slot of a WAIT_ANY below 64 objects).
   * For WAIT_ALL with an alert, or WAIT_ANY with 64 objects and an alert,
   * there is no free slot: the worker then waits in 50 ms slices and stops
   * at the slice end after the abort; between slices it leaves the queues
   * for a moment (a pulse then can be missed, and its FIFO place is lost).
   * A wait that acquired before the abort took effect resolves as usual.
   */
  async ioctlAsync(
    fd: number,
    request: number,
    arg: ArrayBufferView | null,
    options: IoctlAsyncOptions = {},
  ): Promise<number> {
    const req = requestValue(request);
    if (req !== NTSYNC_IOC_WAIT_ANY && req !== NTSYNC_IOC_WAIT_ALL) {
      return this.ioctl(fd, request, arg);
    }
    const signal = options?.signal;
    signal?.throwIfAborted();
    checkArg(arg, "ioctlAsync");
    if (this.#cell.revoked) throw esrch(requestLabel(req));
    this.#request(fd, request);
    if (viewLength(arg) < NTSYNC_WAIT_ARGS_SIZE) {
      return this.#call(fd, req, null);
    }
    const user = arg!;
    const held = this.#prepare(user);
    const dv = this.#waitView;
    const timeout = dv.getBigUint64(WAIT.timeout, LE);
    dv.setBigUint64(WAIT.timeout, 0n, LE);
    const r = this.#s.ioctl(fd, BigInt(req), this.#wait);
    const e = r === -1 ? this.#errno[0] : 0;
    dv.setBigUint64(WAIT.timeout, timeout, LE);
    if ((r === 0 || e === Errno.EOWNERDEAD) && this.#cell.revoked) {
      this.#giveBack(req, this.#grantFds, e === Errno.EOWNERDEAD);
      throw esrch(requestLabel(req));
    }
    if (e !== Errno.ETIMEDOUT) return this.#finishNow(req, user, r, e);
    const clock = dv.getUint32(WAIT.flags, LE) & NTSYNC_WAIT_REALTIME
      ? "realtime"
      : "monotonic";
    if (timeout < NEVER && timeout <= this.now(clock)) {
      throw new NtsyncError(Errno.ETIMEDOUT, requestLabel(req));
    }
    return await this.#waitOnWorker(fd, req, user, held?.fds, signal, true);
  }

  /**
   * The real address of `objs`, for `ntsync_wait_args.objs`; a wait accepts
   * only addresses inside live views handed out here.
   */
  addressOf(objs: Int32Array | Uint32Array): bigint {
    return this.#addresses.addressOf(objs);
  }

  /** `clock_gettime` of CLOCK_MONOTONIC (default) or CLOCK_REALTIME, in ns. */
  now(clock: ClockName = "monotonic"): bigint {
    const id = clock === "monotonic"
      ? CLOCK_MONOTONIC
      : clock === "realtime"
      ? CLOCK_REALTIME
      : -1;
    if (id < 0) {
      throw new TypeError(
        `now: clock must be "monotonic" or "realtime", got ${String(clock)}`,
      );
    }
    const ts = this.#ts;
    if (this.#s.clock_gettime(id, ts) === -1) {
      const e = this.#errno[0];
      throw new NtsyncError(e, "clock_gettime");
    }
    return ts[0] * 1_000_000_000n + ts[1];
  }

  /**
   * A token for `attachBackend` in a Worker of this process: the process
   * id (fd numbers are process-wide, so the Worker opens libc itself and
   * uses the same numbers), a new thread id, and the shared memory that
   * {@linkcode NativeBackend.reap} revokes it through.
   */
  share(): ShareToken {
    // A reaped thread mints no fresh attachment to carry on through.
    if (this.#cell.revoked) throw esrch("share");
    const thread = nextThreadId(this.#family);
    return {
      kind: "native",
      pid: processId(),
      family: this.#family.buffer,
      thread,
      cell: Cell.create(thread).buffer,
    };
  }

  /**
   * Revoke the attachment `token` was for (see {@linkcode Backend.reap}):
   * its later calls fail ESRCH, its blocked waits that carry its private
   * alert are woken and fail ESRCH, and the mutexes made through this
   * backend that its `threadId` (or `options.owners`) own are killed
   * (`MUTEX_KILL`). What the kernel makes impossible is listed in
   * `attachment.ts`.
   *
   * @throws {TypeError} for a token not from this backend's `share()`.
   * @throws {RangeError} for this attachment's own thread.
   */
  reap(token: ShareToken, options?: ReapOptions): void {
    const thread = token?.thread;
    if (
      token === null || typeof token !== "object" || token.kind !== "native" ||
      familyOf(token.family) === null || typeof thread !== "number" ||
      token.family !== this.#family.buffer
    ) {
      throw new TypeError(
        "reap: token must come from this backend's share()",
      );
    }
    if (thread === this.#thread) {
      throw new RangeError(
        `reap: thread ${thread} is this attachment's own: a thread cannot reap itself`,
      );
    }
    const cell = Cell.of(token.cell, thread);
    if (cell === null) {
      throw new TypeError("reap: token must come from this backend's share()");
    }
    const owners = reapOwners(thread, options);
    if (this.#cell.revoked) throw esrch("reap");
    const s = this.#s;
    cell.revoke();
    // Wake its blocked waits (they carry these as alerts)...
    for (const event of cell.alerts()) {
      s.ioctl(event, BigInt(NTSYNC_IOC_EVENT_SET), this.#out4);
    }
    // ...then abandon its mutexes: woken, it cannot be granted one.
    const kill = this.#kill;
    for (const fd of trackedMutexes(this.#family)) {
      for (const owner of owners) {
        kill[0] = owner;
        if (s.ioctl(fd, BigInt(NTSYNC_IOC_MUTEX_KILL), kill) !== -1) break;
        const e = this.#errno[0];
        if (e === Errno.EPERM) continue; // not this owner's
        untrackMutex(this.#family, fd); // closed, or not a mutex any more
        break;
      }
    }
    // Close its alerts once no call of it can be about to use them.
    if (cell.quiet(QUIET_MS)) {
      for (const event of cell.takeAlerts()) s.close(event);
    }
  }

  /** Normalized request, after the fd check (the kernel looks up the fd first). */
  #request(fd: number, request: number): number {
    if (!isFd(fd)) {
      throw new NtsyncError(Errno.EBADF, requestLabel(Number(request)));
    }
    const req = requestValue(request);
    if (req !== undefined) return req;
    const name = `ioctl ${String(request)}`;
    if (this.#s.fcntl(fd, F_GETFD, 0) === -1) {
      const e = this.#errno[0];
      throw new NtsyncError(e, name);
    }
    throw new NtsyncError(Errno.ENOTTY, name);
  }

  #call(fd: number, req: number, mem: Uint8Array | null): number {
    const r = this.#s.ioctl(fd, BigInt(req), mem);
    if (r === -1) {
      const e = this.#errno[0];
      throw new NtsyncError(e, requestLabel(req));
    }
    return r;
  }

  /** A request ntsync does not define: run it on a private copy. */
  #other(fd: number, req: number, arg: ArrayBufferView | null): number {
    const len = viewLength(arg);
    if (len <= 0) return this.#call(fd, req, null);
    const n = Math.min(len, UNKNOWN_ARG_BYTES);
    const buf = this.#unknown ??= new Uint8Array(UNKNOWN_ARG_BYTES);
    const user = bytesOf(arg!).subarray(0, n);
    buf.fill(0);
    buf.set(user);
    const r = this.#s.ioctl(fd, BigInt(req), buf);
    const e = r === -1 ? this.#errno[0] : 0;
    user.set(buf.subarray(0, n));
    if (r === -1) throw new NtsyncError(e, requestLabel(req));
    return r;
  }

  /**
   * Copy the caller's wait args into private memory; keep `objs` only if it
   * resolves to a live fd array with room for `count` entries, else NULL.
   * Returns the resolved array (hold it until the kernel has read it).
   */
  #prepare(user: ArrayBufferView): { fds: FdSource } | undefined {
    // Word by word through the view remembered for `user` (no allocation
    // per wait, whatever kind of view it is; see core/arg_views.ts).
    const from = argView(user)!, dv = this.#waitView;
    for (let at = 0; at < NTSYNC_WAIT_ARGS_SIZE; at += 4) {
      dv.setUint32(at, from.getUint32(at, LE), LE);
    }
    const count = dv.getUint32(WAIT.count, LE);
    if (count > 0 && count <= NTSYNC_MAX_WAIT_COUNT) {
      const at = dv.getBigUint64(WAIT.objs, LE);
      const fds = this.#addresses.resolve(at, count);
      if (fds) {
        if (this.#attached) {
          // The kernel reads the copy: the fds it waited on are known.
          readFds(fds, count, this.#grantCopy());
          dv.setBigUint64(WAIT.objs, this.#grantFdsAt, LE);
        }
        return { fds: { ...fds, count } };
      }
    }
    // The kernel never reads objs when count is 0 or over 64; otherwise
    // NULL makes its copy fail EFAULT at its own point in the check order.
    dv.setBigUint64(WAIT.objs, 0n, LE);
    return undefined;
  }

  /** A wait on this thread: it blocks, as ioctl(2) does. */
  #waitNow(fd: number, req: number, arg: ArrayBufferView | null): number {
    if (viewLength(arg) < NTSYNC_WAIT_ARGS_SIZE) {
      return this.#call(fd, req, null);
    }
    const r = this.#waitHere(fd, req, arg!);
    if (r < 0) throw new NtsyncError(-r, requestLabel(req));
    return r;
  }

  /** As #waitNow, for `user` long enough to hold the args: result or -errno. */
  #waitHere(fd: number, req: number, user: ArrayBufferView): number {
    const held = this.#prepare(user);
    const dv = this.#waitView;
    // A reapable attachment's wait carries its private alert when the slot
    // is free: reap sets it, and the wait comes back with index == count.
    const alert = this.#attached && dv.getUint32(WAIT.alert, LE) === 0
      ? this.#privateAlert(fd)
      : -1;
    if (alert >= 0) dv.setUint32(WAIT.alert, alert, LE);
    const cell = this.#cell;
    cell.enter();
    let r: number, e: number;
    try {
      // Looked at again after the alert was published: reap either saw the
      // alert (and sets it) or revoked before this look.
      if (cell.revoked) return -Errno.ESRCH;
      r = this.#s.ioctl(fd, BigInt(req), this.#wait);
      e = r === -1 ? this.#errno[0] : 0;
      if (alert >= 0 && e === Errno.EINVAL) {
        // Maybe the alert is of another instance (this fd number was closed
        // and reused): the kernel's own verdict comes without it.
        dv.setUint32(WAIT.alert, 0, LE);
        r = this.#s.ioctl(fd, BigInt(req), this.#wait);
        e = r === -1 ? this.#errno[0] : 0;
        if (e !== Errno.EINVAL) this.#forgetAlert(fd); // it was ours
      }
      if ((r === 0 || e === Errno.EOWNERDEAD) && cell.revoked) {
        // Reap overtook the call: woken by the private alert, or granted
        // an object the zombie must not keep.
        this.#giveBack(req, this.#grantFds, e === Errno.EOWNERDEAD);
        return -Errno.ESRCH;
      }
    } finally {
      cell.leave();
    }
    void held; // the fd array stays reachable until the kernel has read it
    return this.#waitResult(user, r, e);
  }

  /**
   * This attachment's private alert on device `dev`'s instance (made at
   * first use), or -1 when it cannot have one (not a device fd, or
   * MAX_ALERTS devices already).
   */
  #privateAlert(dev: number): number {
    const cell = this.#cell;
    const known = cell.alertFor(dev);
    if (known >= 0) return known;
    // Reaped meanwhile (its alerts closed): make no new object.
    if (cell.revoked) return -1;
    const event = this.#privateEvent(dev);
    if (event < 0) return -1;
    if (!cell.addAlert(dev, event)) {
      this.#s.close(event);
      return -1;
    }
    return event;
  }

  /** The private fd array of an attachment's waits (made at first use). */
  #grantCopy(): Int32Array {
    if (this.#grantFds === undefined) {
      const fds = new Int32Array(new ArrayBuffer(NTSYNC_MAX_WAIT_COUNT * 4));
      this.#grantFdsAt = this.#addressOf(fds);
      this.#grantFds = fds;
    }
    return this.#grantFds;
  }

  /** Undo what a wait in `#waitView` acquired on `objs` (give_back.ts). */
  #giveBack(req: number, objs: Int32Array | undefined, dead: boolean): void {
    const dv = this.#waitView;
    if (objs === undefined) return; // no objects were read
    giveBack(this.#s, this.#errno, {
      objs,
      count: Math.min(dv.getUint32(WAIT.count, LE), objs.length),
      all: req === NTSYNC_IOC_WAIT_ALL,
      index: dv.getUint32(WAIT.index, LE),
      owner: dv.getUint32(WAIT.owner, LE),
      abandoned: dead,
    });
  }

  #forgetAlert(dev: number): void {
    const event = this.#cell.dropAlert(dev);
    if (event >= 0) this.#s.close(event);
  }

  /** The kernel's wait result: `index` written on success and EOWNERDEAD. */
  #finishNow(
    req: number,
    user: ArrayBufferView,
    r: number,
    e: number,
  ): number {
    const result = this.#waitResult(user, r, e);
    if (result < 0) throw new NtsyncError(-result, requestLabel(req));
    return result;
  }

  /** As #finishNow, but the result or -errno. */
  #waitResult(user: ArrayBufferView, r: number, e: number): number {
    if (r === 0 || e === Errno.EOWNERDEAD) {
      const index = this.#waitView.getUint32(WAIT.index, LE);
      // Gone or shrunk while the wait slept: the kernel's copy-out faults.
      const view = argView(user);
      if (view === null || view.byteLength < NTSYNC_WAIT_ARGS_SIZE) {
        return -Errno.EFAULT;
      }
      view.setUint32(WAIT.index, index, LE);
    }
    return r === -1 ? -e : r;
  }

  /** `fcntl(fd, F_DUPFD_CLOEXEC)`, or what to use when it fails. */
  #dup(fd: number, dups: number[]): number {
    if (fd < 0) return fd;
    const d = this.#s.fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (d === -1) {
      // Closed meanwhile (by another thread): an fd that is not open gives
      // the kernel's EINVAL too. Out of fds: use the number as it is.
      return this.#errno[0] === Errno.EBADF ? -1 : fd;
    }
    dups.push(d);
    return d;
  }

  async #waitOnWorker(
    fd: number,
    req: number,
    user: ArrayBufferView,
    fds: FdSource | undefined,
    signal: AbortSignal | undefined,
    mayAlert: boolean,
  ): Promise<number> {
    const s = this.#s;
    const args = this.#wait.slice();
    const dv = new DataView(args.buffer);
    const count = dv.getUint32(WAIT.count, LE);
    const alert = dv.getUint32(WAIT.alert, LE);
    const objs = new Int32Array(NTSYNC_MAX_WAIT_COUNT);
    if (fds) readFds(fds, count, objs);

    const dups: number[] = [];
    let priv = -1, privIndex = -1, appended = false, sliced = false;
    let kcount = count, reapIndex = -1;
    try {
      const dev = this.#dup(fd, dups);
      for (let i = 0; i < count; i++) objs[i] = this.#dup(objs[i], dups);
      if (alert !== 0) dv.setUint32(WAIT.alert, this.#dup(alert, dups), LE);
      else if (!signal && mayAlert && this.#attached) {
        // Its own duplicate: reap may close the attachment's alert meanwhile.
        const mine = this.#privateAlert(fd);
        if (mine >= 0) {
          dv.setUint32(WAIT.alert, this.#dup(mine, dups), LE);
          reapIndex = count;
        }
      }
      if (this.#cell.revoked) throw esrch(requestLabel(req));
      if (signal) {
        const free = alert === 0 ||
          (req === NTSYNC_IOC_WAIT_ANY && count < NTSYNC_MAX_WAIT_COUNT);
        if (free) priv = this.#privateEvent(fd);
        if (priv < 0) sliced = true;
        else if (alert === 0) {
          dv.setUint32(WAIT.alert, priv, LE);
          privIndex = count;
        } else {
          objs[count] = priv;
          kcount = count + 1;
          privIndex = count;
          appended = true;
          dv.setUint32(WAIT.count, kcount, LE);
        }
      }
      const running = waitPool().run({
        fd: dev,
        request: req,
        args,
        objs: kcount > 0 ? objs.subarray(0, kcount) : null,
        sliced,
      });
      const onAbort = () => {
        if (priv >= 0) s.ioctl(priv, BigInt(NTSYNC_IOC_EVENT_SET), this.#out4);
        running.abort();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      let outcome;
      try {
        outcome = await running.done;
      } finally {
        signal?.removeEventListener("abort", onAbort);
      }
      if (outcome.skipped) throw signal!.reason;
      const { result, errno } = outcome;
      let index = outcome.index;
      if (reapIndex >= 0 && errno === Errno.EINVAL) {
        // Maybe the alert is of another instance: again, without it.
        try {
          const again = await this.#waitOnWorker(
            fd,
            req,
            user,
            fds,
            signal,
            false,
          );
          this.#forgetAlert(fd); // it was ours
          return again;
        } catch (err) {
          const ours = !(err instanceof NtsyncError) ||
            err.errno !== Errno.EINVAL;
          if (ours) this.#forgetAlert(fd);
          throw err;
        }
      }
      if (result === 0 || errno === Errno.EOWNERDEAD) {
        if (this.#cell.revoked) {
          // Reap overtook it: woken by the private alert, or granted an
          // object the zombie must not keep (give_back.ts).
          giveBack(s, this.#errno, {
            objs,
            count,
            all: req === NTSYNC_IOC_WAIT_ALL,
            index: appended && index === count + 1 ? count : index,
            owner: dv.getUint32(WAIT.owner, LE),
            abandoned: errno === Errno.EOWNERDEAD,
          });
          throw esrch(requestLabel(req));
        }
        if (index === privIndex) throw signal!.reason;
        if (appended && index === count + 1) index = count;
        if (viewLength(user) < NTSYNC_WAIT_ARGS_SIZE) {
          // Acquired, but the caller's memory is gone: the kernel's failed
          // copy of `index` (the objects stay acquired).
          throw new NtsyncError(Errno.EFAULT, requestLabel(req));
        }
        new DataView(user.buffer, user.byteOffset, NTSYNC_WAIT_ARGS_SIZE)
          .setUint32(WAIT.index, index, LE);
        if (result === 0) return 0;
      }
      if (errno === Errno.ETIMEDOUT && signal?.aborted) throw signal.reason;
      throw new NtsyncError(errno, requestLabel(req));
    } finally {
      for (const d of dups) s.close(d);
      if (priv >= 0) s.close(priv);
    }
  }

  /** A manual-reset, unsignaled event on `dev`'s instance, or -1. */
  #privateEvent(dev: number): number {
    const args = new Uint8Array(NTSYNC_EVENT_ARGS_SIZE);
    new DataView(args.buffer).setUint32(0, 1, LE); // manual
    return this.#s.ioctl(dev, BigInt(NTSYNC_IOC_CREATE_EVENT), args);
  }
}

/** A resolved fd array and how many entries the wait reads. */
type FdSource = { view: FdArray; offset: number; count: number };

let backend: NativeBackend | undefined;
/** This thread's attachments, by their token's cell. */
const attached = new WeakMap<SharedArrayBuffer, NativeBackend>();

/** This thread's native backend, libc loaded. */
function threadBackend(): NativeBackend {
  return backend ??= new NativeBackend(libc());
}

/**
 * The error for `open("/dev/ntsync")` failing with errno `e`: ENOENT, ENXIO
 * and ENODEV are `"no-device"`, EACCES and EPERM `"permission"`, anything
 * else `"other"`.
 */
export function openFailure(e: number): NativeUnavailableError {
  const name = errnoName(e);
  const what = `ntsync: cannot open ${NTSYNC_DEVICE_PATH} (${name})`;
  if (e === 2 || e === 6 || e === Errno.ENODEV) {
    return new NativeUnavailableError(
      "no-device",
      `${what}: this kernel has no ntsync driver loaded (CONFIG_NTSYNC, ` +
        `Linux 6.14+; try \`modprobe ntsync\`); use getBackend("emulated")`,
      e,
    );
  }
  if (e === 13 || e === Errno.EPERM) {
    return new NativeUnavailableError(
      "permission",
      `${what}: this user may not open the device node (it is 0666 since ` +
        `Linux 6.14, root-only before; check its mode and owner)`,
      e,
    );
  }
  return new NativeUnavailableError("other", what, e);
}

/**
 * Open the native backend after checking that `/dev/ntsync` opens and
 * answers an ntsync request (a probe instance and semaphore are created
 * and closed again: nothing is left behind).
 *
 * @throws {NativeUnavailableError} saying why the device cannot be used:
 * `reason` is `"no-device"`, `"permission"`, `"no-ffi"`, `"no-libc"` or
 * `"other"`, with `errno` when a call failed.
 */
export function openNativeBackend(): Backend {
  if (osName() !== "linux") {
    throw new NativeUnavailableError(
      "no-device",
      `ntsync: ${NTSYNC_DEVICE_PATH} is a Linux driver; this is ${osName()}`,
    );
  }
  const { lib, fresh } = probeLibc();
  const s = lib.symbols;
  const dev = s.open(DEVICE, O_RDONLY | O_CLOEXEC);
  let failure: NativeUnavailableError | undefined;
  if (dev === -1) failure = openFailure(lib.errno[0]);
  else {
    const sem = s.ioctl(
      dev,
      BigInt(NTSYNC_IOC_CREATE_SEM),
      new Uint8Array(NTSYNC_SEM_ARGS_SIZE),
    );
    const e = sem === -1 ? lib.errno[0] : 0;
    if (sem >= 0) s.close(sem);
    s.close(dev);
    if (sem === -1) {
      failure = new NativeUnavailableError(
        "other",
        `ntsync: ${NTSYNC_DEVICE_PATH} opens but does not answer ` +
          `NTSYNC_IOC_CREATE_SEM (${errnoName(e)}): not the ntsync driver?`,
        e,
      );
    }
  }
  if (failure) {
    if (fresh) lib.unload();
    throw failure;
  }
  adoptLibc(lib);
  return threadBackend();
}

/**
 * In a Worker: the native backend another thread of this process shared.
 *
 * @throws {TypeError} for a token that is not a native `share()` token of
 * this process; {@linkcode NativeUnavailableError} when libc cannot be
 * loaded in this thread.
 */
export function attachNativeBackend(token: ShareToken): Backend {
  if (token === null || typeof token !== "object" || token.kind !== "native") {
    throw new TypeError(
      "attachBackend: not a token from a native backend's share()",
    );
  }
  if (token.pid !== processId()) {
    throw new TypeError(
      `attachBackend: this native token is from process ${
        String(token.pid)
      }; fds are per process`,
    );
  }
  const family = familyOf(token.family);
  const thread = token.thread;
  const cell = typeof thread === "number" ? Cell.of(token.cell, thread) : null;
  if (family === null || cell === null) {
    throw new TypeError(
      "attachBackend: not a token from a native backend's share()",
    );
  }
  const key = token.cell as SharedArrayBuffer;
  let nt = attached.get(key);
  if (nt === undefined) {
    nt = new NativeBackend(libc(), {
      family,
      thread: thread as number,
      cell,
      attached: true,
    });
    attached.set(key, nt);
  }
  return nt;
}
