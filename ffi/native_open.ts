/**
 * Getting a native backend: opening `/dev/ntsync` after a probe that it is
 * the ntsync driver (and why not, as a {@linkcode NativeUnavailableError}),
 * this thread's one backend, and a Worker's attachment from a `share()`
 * token.
 *
 * @module
 */

import type { Backend, ShareToken } from "../core/backend.ts";
import { Cell, familyOf } from "./attachment.ts";
import { Errno, errnoName } from "../uapi/errno.ts";
import { NTSYNC_IOC_CREATE_SEM, NTSYNC_SEM_ARGS_SIZE } from "../uapi/ioctl.ts";
import { osName, processId } from "../host/runtime.ts";
import { NativeUnavailableError } from "./errors.ts";
import {
  adoptLibc,
  cString,
  libc,
  O_CLOEXEC,
  O_RDONLY,
  probeLibc,
} from "./libc.ts";
import { NativeBackend } from "./native.ts";
import { NTSYNC_DEVICE_PATH } from "./native_args.ts";

const DEVICE = cString(NTSYNC_DEVICE_PATH);

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
