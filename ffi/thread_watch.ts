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

import { cString, type Libc, O_CLOEXEC, O_RDONLY } from "./libc.ts";

/** The `ioctl` syscall number, per architecture (the first field of `syscall`). */
const IOCTL_NR: Partial<Record<string, number>> = { x86_64: 16, aarch64: 29 };

/** Reads one thread's scheduler state and current syscall. */
export class ThreadWatch {
  readonly #libc: Libc;
  readonly #stat: Uint8Array<ArrayBuffer>;
  readonly #syscall: Uint8Array<ArrayBuffer>;
  readonly #buf = new Uint8Array(512);
  readonly #ioctlNr: number | undefined = IOCTL_NR[Deno.build.arch];

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
    const stat = this.#read(this.#stat);
    if (stat === undefined) return undefined;
    // "tid (comm) S ...": comm may hold spaces and parentheses, so look for
    // the state after the last ')'.
    const close = stat.lastIndexOf(")");
    if (close < 0 || stat[close + 2] !== "S") return false;
    const sys = this.#read(this.#syscall);
    if (sys === undefined) return undefined;
    // "16 0x3 0xc0284e82 ..." while blocked in a syscall, "running" if not.
    return Number.parseInt(sys, 10) === this.#ioctlNr;
  }

  #read(path: Uint8Array<ArrayBuffer>): string | undefined {
    const s = this.#libc.symbols;
    const fd = s.open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return undefined;
    const n = Number(s.read(fd, this.#buf, BigInt(this.#buf.length)));
    s.close(fd);
    if (n <= 0) return undefined;
    let text = "";
    for (let i = 0; i < n; i++) text += String.fromCharCode(this.#buf[i]);
    return text;
  }
}
