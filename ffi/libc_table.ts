/**
 * The table of libc functions the native backend calls and the interface
 * each runtime's loader gives over them (see `libc.ts`).
 *
 * @module
 */

/** The library loaded (glibc's soname; Linux only). */
export const LIBC_NAME = "libc.so.6";

/** A C type in {@linkcode LIBC_SYMBOLS}. */
export type CType =
  | "i32"
  | "u64"
  | "usize"
  | "isize"
  | "buffer"
  | "pointer";

/** One libc function: its parameter and result types. */
export interface CFunction {
  readonly parameters: readonly CType[];
  readonly result: CType;
  /** Absent from some C libraries: then `null` in the loaded table. */
  readonly optional?: boolean;
}

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
} as const satisfies Record<string, CFunction>;

/**
 * What only Deno's async waits use (`nonblocking_wait.ts`), loaded with the
 * table above on Deno alone (Node and Bun run those waits on Workers).
 */
export const LIBC_DENO_ONLY = {
  /**
   * `ioctl` as a `nonblocking` FFI call, run on one of Deno's blocking-pool
   * threads and settled as a promise. Its errno is that thread's and is
   * never read: what the call did is told from its result, the `index` it
   * wrote and the clock.
   */
  ioctl_nonblocking: {
    name: "ioctl",
    parameters: ["i32", "u64", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  /**
   * `ssize_t getdents64(int fd, void *dirp, size_t n)` (glibc 2.30+): lists
   * `/proc/self/task` to find the thread a nonblocking wait runs on.
   */
  getdents64: {
    parameters: ["i32", "buffer", "usize"],
    result: "isize",
    optional: true,
  },
  /**
   * `void *malloc(size_t n)`: the memory a nonblocking call reads and
   * writes, which no runtime frees (see {@linkcode Libc.outside}).
   */
  malloc: { parameters: ["usize"], result: "pointer" },
} as const;

/**
 * Memory outside the JavaScript heap: the runtime never moves or frees it,
 * not even when the thread that made it ends (its isolate torn down). A
 * call still running on another thread then writes to memory that is still
 * there. It is never given back: callers keep what they take for the
 * thread's life (a few hundred bytes).
 */
export interface OutsideMemory {
  /** `bytes` zeroed bytes, or null when none can be had. */
  alloc(bytes: number): Uint8Array | null;
}

/** A pointer argument: a view whose memory the call reads or writes, or NULL. */
export type CBuffer = ArrayBufferView | null;

/** The loaded functions, the same on every runtime. */
export interface LibcSymbols {
  open(path: CBuffer, flags: number): number;
  close(fd: number): number;
  ioctl(fd: number, request: bigint, arg: CBuffer): number;
  fcntl(fd: number, cmd: number, arg: number): number;
  read(fd: number, buf: CBuffer, n: bigint): number | bigint;
  clock_gettime(clock: number, ts: CBuffer): number;
  /** Present where the C library has it. */
  gettid: (() => number) | null;
  /** Deno only ({@linkcode LIBC_DENO_ONLY}), where the C library has it. */
  getdents64?:
    | ((fd: number, buf: CBuffer, n: bigint) => number | bigint)
    | null;
  /** Deno only ({@linkcode LIBC_DENO_ONLY}); absent elsewhere. */
  ioctl_nonblocking?: (
    fd: number,
    request: bigint,
    arg: CBuffer,
  ) => Promise<number>;
}

/** This thread's view of libc. */
export interface Libc {
  /** The library that was loaded. */
  readonly name: string;
  /** The functions. */
  readonly symbols: LibcSymbols;
  /**
   * This thread's `errno` after the last failing call, as `errno[0]`: taken
   * right after the call, with no other call (which could overwrite it) in
   * between. Deno and Bun map the variable itself; koffi keeps it per
   * thread for each call.
   */
  readonly errno: { readonly [index: number]: number };
  /** The address of a view's first byte (`0n` for a view with no memory). */
  addressOf(view: ArrayBufferView): bigint;
  /** Deno only: memory no runtime frees (nonblocking calls use it). */
  readonly outside?: OutsideMemory;
  /** Unload the library (only for a handle from {@linkcode loadLibc} that was never adopted). */
  unload(): void;
}
