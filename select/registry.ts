/**
 * Choosing and attaching backends: `getBackend` and `attachBackend`.
 *
 * Each thread (the main thread, each Worker) has at most one backend of each
 * kind; a Worker that attaches a shared token adopts it as its own.
 *
 * @module
 */

import type {
  Backend,
  BackendChoice,
  BackendKind,
  ShareToken,
} from "../core/backend.ts";
import { EmulatedBackend } from "../core/emulated/backend.ts";
import { attachNativeBackend, openNativeBackend } from "../ffi/native.ts";

const current: { emulated?: Backend; native?: Backend } = {};

/** Why `getBackend("auto")` picked what it picked. */
export interface AutoChoice {
  /** The backend `auto` resolves to in this thread. */
  readonly backend: Backend;
  /** Why the native backend was not used, or `undefined` when it was. */
  readonly reason?: string;
}

let autoChoice: AutoChoice | undefined;

/**
 * Resolve `"auto"`: the native backend when `/dev/ntsync` can be used, else
 * the emulated one, with the reason native was passed over.
 */
export function chooseAutoBackend(): AutoChoice {
  if (autoChoice) return autoChoice;
  try {
    autoChoice = { backend: getBackend("native") };
  } catch (err) {
    autoChoice = {
      backend: getBackend("emulated"),
      reason: err instanceof Error ? err.message : String(err),
    };
  }
  return autoChoice;
}

/**
 * This thread's backend of the given kind (default `"auto"`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getBackend, NTSYNC_IOC_CREATE_SEM, NTSYNC_IOC_SEM_RELEASE, SemArgs } from "../mod.ts";
 * const nt = getBackend("emulated");
 * assert.equal(nt.kind, "emulated");
 * const dev = nt.open();
 * const sem = nt.ioctl(dev, NTSYNC_IOC_CREATE_SEM, SemArgs.alloc({ count: 1, max: 2 }));
 * const n = new Uint32Array([1]);
 * assert.equal(nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, n), 0);
 * assert.equal(n[0], 1); // the previous count
 * assert.throws(() => nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, n), { code: "EOVERFLOW" });
 * nt.close(sem);
 * nt.close(dev);
 * ```
 *
 * @throws {Error} for `"native"` when the device cannot be used, saying why.
 */
export function getBackend(choice: BackendChoice = "auto"): Backend {
  switch (choice) {
    case "emulated":
      return current.emulated ??= EmulatedBackend.create();
    case "native":
      return current.native ??= openNativeBackend();
    case "auto":
      return chooseAutoBackend().backend;
    default:
      throw new TypeError(
        `getBackend: choice must be "auto", "native" or "emulated", got ${
          String(choice)
        }`,
      );
  }
}

/**
 * In a Worker, the backend another thread shared with `backend.share()`:
 * the same fds and the same objects. It also becomes this thread's
 * `getBackend(token.kind)` if that was not set yet.
 */
export function attachBackend(token: ShareToken): Backend {
  if (token === null || typeof token !== "object") {
    throw new TypeError(
      "attachBackend: token must be the object share() returned",
    );
  }
  const kind: BackendKind = token.kind;
  let backend: Backend;
  if (kind === "emulated") backend = EmulatedBackend.attach(token);
  else if (kind === "native") backend = attachNativeBackend(token);
  else {
    throw new TypeError(
      `attachBackend: token.kind must be "native" or "emulated", got ${
        String(kind)
      }`,
    );
  }
  current[kind] ??= backend;
  return backend;
}
