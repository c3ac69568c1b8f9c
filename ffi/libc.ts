/**
 * The C library, as the native backend sees it: ONE typed symbol table, and
 * the only `Deno.dlopen` of the module (the wait workers build theirs from
 * this same table: see `wait_worker.ts`).
 *
 * Loaded lazily, once per thread (each Worker has its own isolate and so its
 * own handle, and its own `errno`). Loading fails with a
 * {@linkcode NativeUnavailableError} that says what to do.
 *
 * @module
 */

import { NativeUnavailableError } from "./errors.ts";

/** The library `Deno.dlopen` is asked for (glibc's soname; Linux only). */
export const LIBC_NAME = "libc.so.6";

/**
 * Every libc function the native backend calls. Variadic C functions
 * (`open`, `ioctl`, `fcntl`) are declared with the fixed arguments they are
 * used with; on x86-64 and aarch64 Linux that is the same calling sequence.
 */
export const LIBC_SYMBOLS = {
  /** `int open(const char *path, int flags)` */
  open: { parameters: ["buffer", "i32"], result: "i32" },
  /** `int close(int fd)` */
  close: { parameters: ["i32"], result: "i32" },
  /** `int ioctl(int fd, unsigned long request, void *arg)` */
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  /** `int fcntl(int fd, int cmd, int arg)`: F_DUPFD_CLOEXEC for async waits */
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  /** `ssize_t read(int fd, void *buf, size_t n)`: /proc reads only */
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  /** `int clock_gettime(clockid_t clock, struct timespec *ts)` */
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  /** `int *__errno_location(void)`: this thread's errno */
  __errno_location: { parameters: [], result: "pointer" },
  /** `pid_t gettid(void)` (glibc 2.30+; only to watch a wait worker) */
  gettid: { parameters: [], result: "i32", optional: true },
} as const satisfies Deno.ForeignLibraryInterface;

/** The loaded table's functions. */
export type LibcSymbols = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];

/** This thread's view of libc. */
export interface Libc {
  /** The library that was loaded. */
  readonly name: string;
  /** The functions. */
  readonly symbols: LibcSymbols;
  /**
   * This thread's `errno`, mapped once: `errno[0]` is a plain memory read,
   * so it can be taken right after a failing call with no Deno call (which
   * could overwrite errno) in between.
   */
  readonly errno: Int32Array;
  /** Unload the library (only for a handle from {@linkcode loadLibc} that was never adopted). */
  unload(): void;
}

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

const NO_FFI_ADVICE =
  "run Deno with --allow-ffi (unscoped: a path-scoped --allow-ffi=... " +
  "refuses the pointer operations the native backend needs), or use " +
  'getBackend("emulated")';

/** True when this thread may use FFI without prompting. */
function ffiGranted(): boolean {
  try {
    return Deno.permissions.querySync({ name: "ffi" }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Load `name` as the C library, uncached (tests use it to name a library
 * that does not exist; everything else uses {@linkcode libc}).
 *
 * @throws {NativeUnavailableError} as {@linkcode libc}.
 */
export function loadLibc(name: string = LIBC_NAME): Libc {
  if (Deno.build.os !== "linux") {
    throw new NativeUnavailableError(
      "no-libc",
      `ntsync: the native backend needs Linux's C library; this is ${Deno.build.os}`,
    );
  }
  // Ask first: dlopen without the permission would prompt on a terminal,
  // and auto-selection must not prompt.
  if (!ffiGranted()) {
    throw new NativeUnavailableError(
      "no-ffi",
      `ntsync: FFI is not permitted: ${NO_FFI_ADVICE}`,
    );
  }
  let lib: Deno.DynamicLibrary<typeof LIBC_SYMBOLS>;
  try {
    lib = Deno.dlopen(name, LIBC_SYMBOLS);
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) {
      throw new NativeUnavailableError(
        "no-ffi",
        `ntsync: FFI is not permitted: ${NO_FFI_ADVICE}`,
        undefined,
        err,
      );
    }
    throw new NativeUnavailableError(
      "no-libc",
      `ntsync: cannot load the C library ${name}: ${
        err instanceof Error ? err.message : String(err)
      }`,
      undefined,
      err,
    );
  }
  let errno: Int32Array;
  try {
    const at = lib.symbols.__errno_location();
    if (at === null) throw new Error("__errno_location() returned NULL");
    errno = new Int32Array(Deno.UnsafePointerView.getArrayBuffer(at, 4));
  } catch (err) {
    lib.close();
    const denied = err instanceof Deno.errors.NotCapable;
    throw new NativeUnavailableError(
      denied ? "no-ffi" : "no-libc",
      denied
        ? `ntsync: FFI pointer access is not permitted: ${NO_FFI_ADVICE}`
        : `ntsync: cannot locate errno in ${name}: ${
          err instanceof Error ? err.message : String(err)
        }`,
      undefined,
      err,
    );
  }
  return { name, symbols: lib.symbols, errno, unload: () => lib.close() };
}

/**
 * This thread's libc, loaded on first use.
 *
 * @throws {NativeUnavailableError} `"no-ffi"` without `--allow-ffi`,
 * `"no-libc"` when the library cannot be loaded (not Linux, no glibc).
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
