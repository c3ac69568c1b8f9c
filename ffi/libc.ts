/**
 * The C library, as the native backend sees it: ONE table of the libc
 * functions it calls, and one small interface over it (open, close, ioctl
 * with errno read on the calling thread, fcntl, read, clock_gettime, the
 * address of a view), implemented once per runtime: `Deno.dlopen` on Deno
 * (`libc_deno.ts`), `koffi` on Node (`libc_node.ts`, an optional
 * dependency), `bun:ffi` on Bun (`libc_bun.ts`). Each is reached
 * synchronously, and only when the native backend is first used.
 *
 * Loaded lazily, once per thread (each Worker has its own handle, and its
 * own `errno`). Loading fails with a {@linkcode NativeUnavailableError}
 * that says what to do.
 *
 * @module
 */

import { runtimeName } from "../host/runtime.ts";
import { loadDenoLibc } from "./libc_deno.ts";
import { loadNodeLibc } from "./libc_node.ts";
import { loadBunLibc } from "./libc_bun.ts";

export {
  type CBuffer,
  type CFunction,
  type CType,
  type Libc,
  LIBC_NAME,
  LIBC_SYMBOLS,
  type LibcSymbols,
} from "./libc_table.ts";
import { type Libc, LIBC_NAME } from "./libc_table.ts";

/** `open(2)` flags (x86-64 and aarch64 values). */
export const O_RDONLY = 0;
/** `O_CLOEXEC` on x86-64 and aarch64. */
export const O_CLOEXEC = 0x80000;
/** `fcntl(2)` command: duplicate to the lowest free fd, close-on-exec. */
export const F_DUPFD_CLOEXEC = 1030;
/** `clock_gettime` clock ids. */
export const CLOCK_REALTIME = 0;
/** `clock_gettime` clock ids. */
export const CLOCK_MONOTONIC = 1;

let loaded: Libc | undefined;

/**
 * Load `name` as the C library, uncached (tests use it to name a library
 * that does not exist; everything else uses {@linkcode libc}).
 *
 * @throws {NativeUnavailableError} as {@linkcode libc}.
 */
export function loadLibc(name: string = LIBC_NAME): Libc {
  switch (runtimeName()) {
    case "deno":
      return loadDenoLibc(name);
    case "bun":
      return loadBunLibc(name);
    default:
      return loadNodeLibc(name);
  }
}

/**
 * This thread's libc, loaded on first use.
 *
 * @throws {NativeUnavailableError} `"no-ffi"` without FFI (Deno without
 * `--allow-ffi`, Node without the `koffi` package), `"no-libc"` when the
 * library cannot be loaded (not Linux, no glibc).
 */
export function libc(): Libc {
  return loaded ??= loadLibc();
}

/**
 * libc for a probe that may fail: this thread's handle if it is loaded,
 * else a fresh one the caller must either {@linkcode adoptLibc} (it then
 * becomes this thread's, for good) or `unload()`, so that a failed probe
 * leaves no library loaded behind it (Deno's test sanitizer counts one).
 */
export function probeLibc(): { lib: Libc; fresh: boolean } {
  if (loaded) return { lib: loaded, fresh: false };
  return { lib: loadLibc(), fresh: true };
}

/** Make a fresh handle from {@linkcode probeLibc} this thread's libc. */
export function adoptLibc(lib: Libc): Libc {
  return loaded ??= lib;
}

/** A NUL-terminated C string. */
export function cString(s: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(s + "\0");
}
