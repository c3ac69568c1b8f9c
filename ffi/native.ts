/**
 * The native backend: `/dev/ntsync` through libc (placeholder until it lands).
 *
 * @module
 */

import type { Backend, ShareToken } from "../core/backend.ts";

/** Open the native backend, or throw an `Error` saying why it cannot be used. */
export function openNativeBackend(): Backend {
  throw new Error(
    "ntsync: the native backend is not implemented yet; use getBackend(\"emulated\")",
  );
}

/** Attach to a native backend shared by another thread. */
export function attachNativeBackend(_token: ShareToken): Backend {
  return openNativeBackend();
}
