/**
 * Backends for the doctor's tests: the emulated engine dressed up as
 * kernels of other eras (an older uapi, no owner-0 fix, a broken close),
 * and a {@linkcode BackendSource} that hands them out.
 *
 * @module
 */

import type { Backend, BackendKind, ShareToken } from "../../core/backend.ts";
import { NtsyncError } from "../../core/errors.ts";
import { EmulatedBackend } from "../../core/emulated/backend.ts";
import { Errno } from "../../uapi/errno.ts";
import { NTSYNC_IOC_WAIT_ANY, WaitArgs } from "../../uapi/mod.ts";
import type { BackendSource } from "../backends.ts";

/** Replace some ioctls of an engine; `undefined` from `ioctl` means "pass through". */
export interface Quirks {
  /** Report this kind (e.g. `"native"` for a stand-in device). */
  kind?: BackendKind;
  /** Intercept an ioctl: return a number or throw; `undefined` delegates. */
  ioctl?: (
    fd: number,
    request: number,
    arg: ArrayBufferView | null,
  ) => number | undefined;
  /** Make `close` fail. */
  closeFails?: boolean;
  /** Replace `share` (e.g. a device that cannot be shared with a Worker). */
  share?: () => ShareToken;
}

/** A fresh engine with quirks. */
export function quirkyBackend(q: Quirks = {}): Backend {
  const inner = EmulatedBackend.create();
  return {
    kind: q.kind ?? "emulated",
    open: () => inner.open(),
    ioctl: (fd, request, arg) =>
      q.ioctl?.(fd, request, arg) ?? inner.ioctl(fd, request, arg),
    tryIoctl(fd, request, arg) {
      try {
        return this.ioctl(fd, request, arg);
      } catch (err) {
        if (err instanceof NtsyncError) return -err.errno;
        throw err;
      }
    },
    ioctlAsync: (fd, request, arg, o) => inner.ioctlAsync(fd, request, arg, o),
    tryWait(fd, request, memory) {
      return this.tryIoctl(fd, request, memory.args);
    },
    waitAsync: (fd, request, memory, o) =>
      inner.ioctlAsync(fd, request, memory.args, o),
    addressOf: (objs) => inner.addressOf(objs),
    now: (clock) => inner.now(clock),
    close: (fd) => {
      if (q.closeFails) throw new NtsyncError(Errno.EBADF, "close");
      inner.close(fd);
    },
    share: () => q.share?.() ?? inner.share(),
    threadId: inner.threadId,
    reap: (token, options) => inner.reap(token, options),
  };
}

/** A kernel without the 2026 fix: WAIT_ANY with owner 0 is accepted (here: times out). */
export function unfixedKernel(kind: BackendKind = "native"): Backend {
  return quirkyBackend({
    kind,
    ioctl: (_fd, request, arg) => {
      if (
        request === NTSYNC_IOC_WAIT_ANY && arg instanceof DataView &&
        WaitArgs.read(arg).owner === 0
      ) {
        throw new NtsyncError(Errno.ETIMEDOUT, "NTSYNC_IOC_WAIT_ANY");
      }
      return undefined;
    },
  });
}

/** An error like the native backend's `NativeUnavailableError`. */
export function unavailable(reason: string): Error {
  return Object.assign(
    new Error(`ntsync: native backend unavailable (${reason})`),
    {
      name: "NativeUnavailableError",
      reason,
    },
  );
}

/** A source whose native backend is `native` (a backend, or the error it throws). */
export function fakeSource(
  native: Backend | Error,
  emulated: Backend | Error = quirkyBackend(),
): BackendSource {
  const get = (kind: BackendKind): Backend => {
    const b = kind === "native" ? native : emulated;
    if (b instanceof Error) throw b;
    return b;
  };
  return {
    get,
    auto: () => {
      try {
        return { backend: get("native") };
      } catch (err) {
        return { backend: get("emulated"), reason: (err as Error).message };
      }
    },
  };
}
