/**
 * The native backend's waits (WAIT_ANY, WAIT_ALL): the caller's arguments
 * copied into private memory (another thread cannot change them between
 * check and use; `objs` kept only when it points into a live view from
 * `addressOf` with room for `count` entries, else NULL, so the kernel fails
 * EFAULT after its own pad/flags, owner and count checks in setup_wait()),
 * only `index` written back; a reapable attachment's private alert, which
 * `reap` sets to wake its blocked waits; what a wait that a reap overtook
 * acquired given back (give_back.ts); and async waits handed to the worker
 * pool (wait_pool.ts), or on Deno to its blocking pool
 * (nonblocking_wait.ts), with duplicated fds and, for `signal`, a private
 * event that aborts them.
 *
 * @module
 */

import type { ClockName } from "../core/backend.ts";
import { NtsyncError } from "../core/errors.ts";
import { argView } from "../core/arg_views.ts";
import { Errno } from "../uapi/errno.ts";
import {
  NTSYNC_EVENT_ARGS_SIZE,
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  NTSYNC_MAX_WAIT_COUNT,
  NTSYNC_WAIT_ARGS_SIZE,
  NTSYNC_WAIT_REALTIME,
  requestLabel,
} from "../uapi/ioctl.ts";
import { HOST_LITTLE_ENDIAN as LE } from "../uapi/struct.ts";
import { WAIT } from "../uapi/structs.ts";
import type { AddressRegistry, FdArray } from "./addresses.ts";
import { readFds } from "./addresses.ts";
import type { Cell } from "./attachment.ts";
import { F_DUPFD_CLOEXEC, type Libc, type LibcSymbols } from "./libc.ts";
import { esrch, viewLength } from "./native_args.ts";
import { waitPool } from "./wait_pool.ts";
import { nonblockingWaits } from "./nonblocking_wait.ts";
import { giveBack } from "./give_back.ts";

/** Timeouts at or above 2^63 never expire (ntsync_schedule()). */
const NEVER = 1n << 63n;

/** A resolved fd array and how many entries the wait reads. */
type FdSource = { view: FdArray; offset: number; count: number };

/** What the waits of one attachment use of its backend. */
export interface NativeWaitContext {
  /** This thread's libc symbols. */
  readonly symbols: LibcSymbols;
  /** This thread's errno. */
  readonly errno: Libc["errno"];
  /** The views whose addresses a wait's `objs` may hold. */
  readonly addresses: AddressRegistry;
  /** The real address of a view. */
  readonly addressOf: (view: ArrayBufferView) => bigint;
  /** The attachment's cell (revocation, private alerts, calls in flight). */
  readonly cell: Cell;
  /** Made from a share token: reapable, so its waits carry private alerts. */
  readonly attached: boolean;
  /** The backend's clock, in ns. */
  now(clock: ClockName): bigint;
}

/**
 * The waits of one native attachment. Made by `NativeBackend`, which checks
 * the request, the fd and the argument's length first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NativeWaits } from "./native_wait.ts";
 * assert.equal(typeof NativeWaits.prototype.waitHere, "function");
 * ```
 */
export class NativeWaits {
  readonly #s: LibcSymbols;
  readonly #errno: Libc["errno"];
  readonly #addresses: AddressRegistry;
  readonly #addressOf: (view: ArrayBufferView) => bigint;
  readonly #cell: Cell;
  readonly #attached: boolean;
  readonly #now: (clock: ClockName) => bigint;
  /** Private copy of a wait's arguments (what the kernel reads). */
  readonly #wait = new Uint8Array(NTSYNC_WAIT_ARGS_SIZE);
  readonly #waitView = new DataView(this.#wait.buffer);
  readonly #out4 = new Uint8Array(8);
  /**
   * An attachment's waits read their fds from here (a private copy made
   * before the kernel call), so that what a reaped wait acquired can be
   * given back exactly (see give_back.ts). Off the V8 heap: it never moves.
   */
  #grantFds?: Int32Array;
  #grantFdsAt = 0n;

  /**
   * The waits of the attachment `context` describes.
   *
   * @param context what they use of the backend
   */
  constructor(context: NativeWaitContext) {
    this.#s = context.symbols;
    this.#errno = context.errno;
    this.#addresses = context.addresses;
    this.#addressOf = context.addressOf;
    this.#cell = context.cell;
    this.#attached = context.attached;
    this.#now = (clock) => context.now(clock);
  }

  /**
   * The wait of `ioctlAsync` (request, fd and `user`'s length already
   * checked): first the kernel's attempt right here, with a timeout in the
   * past, so what is acquirable now is acquired without leaving this
   * thread and argument errors come back at once; otherwise on a worker
   * thread (see `NativeBackend.ioctlAsync`).
   */
  async waitAsync(
    fd: number,
    req: number,
    user: ArrayBufferView,
    signal: AbortSignal | undefined,
  ): Promise<number> {
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
    if (timeout < NEVER && timeout <= this.#now(clock)) {
      throw new NtsyncError(Errno.ETIMEDOUT, requestLabel(req));
    }
    return await this.#waitOnWorker(fd, req, user, held?.fds, signal, true);
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

  /**
   * A wait on this thread, for `user` long enough to hold the args: it
   * blocks, as ioctl(2) does, and returns the result or -errno.
   */
  waitHere(fd: number, req: number, user: ArrayBufferView): number {
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
      const job = {
        fd: dev,
        request: req,
        args,
        objs: kcount > 0 ? objs.subarray(0, kcount) : null,
        sliced,
      };
      // Deno: on its blocking pool, no Worker to start; else, or when its
      // lanes are all busy, on the worker pool.
      const running = nonblockingWaits()?.run(job) ?? waitPool().run(job);
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
