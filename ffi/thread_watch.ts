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
   * unknown architecture).
   */
  asleepInIoctl(): boolean | undefined {
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
    return i > 0 && nr === this.#ioctlNr;
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
