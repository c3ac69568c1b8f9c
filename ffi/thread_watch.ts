/**
 * Is a thread of this process asleep inside an `ioctl`? Read from
 * `/proc/self/task/<tid>/{stat,syscall}` with libc (no Deno permission
 * beyond FFI, no Deno call that could disturb errno elsewhere).
 *
 * An ntsync wait sleeps interruptibly (state `S`) only after its entries are
 * queued on every object, so "state S, in the ioctl syscall" means a wait
 * worker's wait is in the kernel's queues: a release, set or pulse issued
 * from now on reaches it. Any other sleep inside the ioctl (a lock, a page
 * fault, an allocation) is uninterruptible (`D`).
 *
 * @module
 */

import { archName } from "../host/runtime.ts";
import { HOST_LITTLE_ENDIAN as LE } from "../uapi/struct.ts";
import { cString, type Libc, O_CLOEXEC, O_RDONLY } from "./libc.ts";

/** The `ioctl` syscall number, per architecture (the first field of `syscall`). */
const IOCTL_NR: Partial<Record<string, number>> = { x86_64: 16, aarch64: 29 };

/** Reads one thread's scheduler state and current syscall. */
export class ThreadWatch {
  readonly #libc: Libc;
  readonly #stat: Uint8Array<ArrayBuffer>;
  readonly #syscall: Uint8Array<ArrayBuffer>;
  readonly #buf = new Uint8Array(512);
  readonly #ioctlNr: number | undefined = IOCTL_NR[archName()];

  /**
   * @param libc this thread's libc
   * @param tid the kernel thread id to watch
   */
  constructor(libc: Libc, tid: number) {
    this.#libc = libc;
    this.#stat = cString(`/proc/self/task/${tid}/stat`);
    this.#syscall = cString(`/proc/self/task/${tid}/syscall`);
  }

  /**
   * True when the thread is asleep (interruptibly) in `ioctl`, false when
   * it is not (yet), undefined when this cannot be told here (no /proc,
   * unknown architecture). With `args` (see {@linkcode ioctlArgsText}),
   * only an ioctl whose first arguments read so counts.
   */
  asleepInIoctl(args?: Uint8Array): boolean | undefined {
    if (this.#ioctlNr === undefined) return undefined;
    const buf = this.#buf;
    let n = this.#read(this.#stat);
    if (n < 0) return undefined;
    // "tid (comm) S ...": comm may hold spaces and parentheses, so look for
    // the state after the last ')'.
    let close = n - 1;
    while (close >= 0 && buf[close] !== 0x29) close--;
    if (close < 0 || buf[close + 2] !== 0x53 /* S */) return false;
    n = this.#read(this.#syscall);
    if (n < 0) return undefined;
    // "16 0x3 0xc0284e82 ..." while blocked in a syscall, "running" if not.
    let nr = 0, i = 0;
    for (; i < n && buf[i] >= 0x30 && buf[i] <= 0x39; i++) {
      nr = nr * 10 + buf[i] - 0x30;
    }
    if (i === 0 || nr !== this.#ioctlNr) return false;
    if (args === undefined) return true;
    // Then its arguments, in hex: " 0x<fd> 0x<request> 0x<arg> ...".
    if (n - i < args.length) return false;
    for (let k = 0; k < args.length; k++) {
      if (buf[i + k] !== args[k]) return false;
    }
    return true;
  }

  /** Read `path` into the buffer; the byte count, or -1. */
  #read(path: Uint8Array<ArrayBuffer>): number {
    const s = this.#libc.symbols;
    const fd = s.open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    const n = Number(s.read(fd, this.#buf, BigInt(this.#buf.length)));
    s.close(fd);
    return n > 0 ? n : -1;
  }
}

/**
 * The first three arguments of an `ioctl` as `/proc/<tid>/syscall` prints
 * them after the syscall number (" 0x<fd> 0x<request> 0x<arg>", then a
 * space), to tell one call from another.
 */
export function ioctlArgsText(
  fd: number,
  request: number,
  arg: bigint,
): Uint8Array {
  const hex = (v: number | bigint) => `0x${v.toString(16)}`;
  return new TextEncoder().encode(
    ` ${hex(fd >>> 0)} ${hex(request >>> 0)} ${hex(arg)} `,
  );
}

/**
 * Finds which thread of this process is asleep in a given `ioctl`, for
 * calls run on threads this code does not start (Deno's blocking pool):
 * the threads seen there before are looked at first, then every thread of
 * `/proc/self/task`.
 */
export class IoctlSleeperFinder {
  readonly #libc: Libc;
  readonly #dir = cString("/proc/self/task");
  readonly #dents = new Uint8Array(4096);
  /** Threads by tid; the ones found asleep in a call before come first. */
  readonly #watches = new Map<number, ThreadWatch>();
  readonly #seen: number[] = [];

  /** @param libc this thread's libc */
  constructor(libc: Libc) {
    this.#libc = libc;
  }

  /**
   * The tid asleep in the ioctl `args` names (see {@linkcode ioctlArgsText}),
   * 0 when none is (yet), undefined when this cannot be told here.
   */
  find(args: Uint8Array): number | undefined {
    if (IOCTL_NR[archName()] === undefined) return undefined;
    const seen = this.#seen;
    for (let i = 0; i < seen.length; i++) {
      const asleep = this.#watch(seen[i]).asleepInIoctl(args);
      if (asleep) return seen[i];
      // Gone (its /proc entry unreadable): forget it.
      if (asleep === undefined) this.#watches.delete(seen.splice(i--, 1)[0]);
    }
    const tids = this.#tids();
    if (tids === undefined) return undefined;
    for (const tid of tids) {
      if (seen.includes(tid)) continue;
      // undefined: it ended after the listing.
      if (this.#watch(tid).asleepInIoctl(args)) {
        // Pool threads are few and reused: remember a handful.
        if (this.#seen.unshift(tid) > 8) this.#seen.pop();
        return tid;
      }
    }
    return 0;
  }

  #watch(tid: number): ThreadWatch {
    let w = this.#watches.get(tid);
    if (w === undefined) {
      w = new ThreadWatch(this.#libc, tid);
      this.#watches.set(tid, w);
    }
    return w;
  }

  /** Every tid of this process, or undefined without getdents64 or /proc. */
  #tids(): number[] | undefined {
    const s = this.#libc.symbols;
    if (!s.getdents64) return undefined;
    const fd = s.open(this.#dir, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return undefined;
    const out: number[] = [];
    const buf = this.#dents;
    const view = new DataView(buf.buffer);
    try {
      for (;;) {
        const n = Number(s.getdents64(fd, buf, BigInt(buf.length)));
        if (n <= 0) break;
        // struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16,
        // d_type u8, then the NUL-terminated name at byte 19.
        for (let at = 0; at < n;) {
          const len = view.getUint16(at + 16, LE);
          let tid = 0, k = at + 19;
          for (; buf[k] >= 0x30 && buf[k] <= 0x39; k++) {
            tid = tid * 10 + buf[k] - 0x30;
          }
          if (k > at + 19 && buf[k] === 0) out.push(tid);
          at += len;
        }
      }
    } finally {
      s.close(fd);
    }
    // Threads that ended leave their watches behind: drop those.
    if (this.#watches.size > out.length * 2) {
      for (const tid of this.#watches.keys()) {
        if (!out.includes(tid)) this.#watches.delete(tid);
      }
    }
    return out;
  }
}
