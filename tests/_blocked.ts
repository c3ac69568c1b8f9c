/**
 * How a test knows that a waiter is blocked, not still on its way: what the
 * test does next (a release, a pulse, a reap) must meet a queued wait, or
 * "wakes a blocked waiter" passes without testing it (the waiter, arriving
 * late, would find the object signaled and take it at once).
 *
 * Both backends show their waiters:
 *
 * - emulated: the engine's census counts the waits in progress;
 * - native: the kernel shows no queue, but it shows its threads. An ntsync
 *   wait sleeps interruptibly (state `S`, in `ntsync_schedule()` of
 *   drivers/misc/ntsync.c) only after its entries are queued on every
 *   object; any other sleep inside the ioctl is uninterruptible (`D`). So a
 *   thread of this process in state `S` inside an `ioctl` whose request is
 *   WAIT_ANY or WAIT_ALL (`/proc/self/task/<tid>/{stat,syscall}`) is a
 *   queued wait: a Worker's blocking wait and an async wait's pool thread
 *   alike. Read through libc (Deno asks for --allow-all to read /proc/self
 *   itself; the native backend's tests have FFI anyway).
 *
 * Where neither can be read (no /proc, another architecture, the model
 * backend), {@linkcode untilQueued} settles for a pause and says so.
 *
 * @module
 */

import type { Backend } from "../core/backend.ts";
import { EmulatedBackend } from "../core/emulated/backend.ts";
import { NTSYNC_IOC_WAIT_ALL, NTSYNC_IOC_WAIT_ANY } from "../uapi/ioctl.ts";
import { cString, LIBC_NAME, O_CLOEXEC, O_RDONLY } from "../ffi/libc.ts";
import { FOREVER, waitArgs } from "../conformance/ops.ts";

/** The `ioctl` syscall number, per architecture. */
const IOCTL_NR: Partial<Record<string, number>> = { x86_64: 16, aarch64: 29 };

/** How long a wait is given to queue where no queue can be seen. */
export const UNSEEN_SETTLE_MS = 200;

/** How long a wait may take to queue (a Worker's start under qemu TCG). */
export const QUEUE_MS = 60_000;

const WAITS = new Set([NTSYNC_IOC_WAIT_ANY >>> 0, NTSYNC_IOC_WAIT_ALL >>> 0]);

const PROC_SYMBOLS = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  opendir: { parameters: ["buffer"], result: "pointer" },
  readdir: { parameters: ["pointer"], result: "pointer" },
  closedir: { parameters: ["pointer"], result: "i32" },
} as const;

/** libc, opened once at import (outside any test: the sanitizer sees no new resource), or null without FFI. */
const proc: Deno.DynamicLibrary<typeof PROC_SYMBOLS> | null = (() => {
  try {
    return Deno.dlopen(LIBC_NAME, PROC_SYMBOLS);
  } catch {
    return null;
  }
})();

/** `d_name`'s offset in glibc's `struct dirent` on 64-bit Linux. */
const D_NAME = 19;

/** The names in directory `path`, or undefined. */
function list(path: string): string[] | undefined {
  if (proc === null) return undefined;
  const dir = proc.symbols.opendir(cString(path));
  if (dir === null) return undefined;
  const names: string[] = [];
  try {
    for (;;) {
      const entry = proc.symbols.readdir(dir);
      if (entry === null) return names;
      names.push(Deno.UnsafePointerView.getCString(entry, D_NAME));
    }
  } finally {
    proc.symbols.closedir(dir);
  }
}

const buffer = new Uint8Array(512);

/** The text of `path` (up to 512 bytes), or undefined. */
function read(path: string): string | undefined {
  if (proc === null) return undefined;
  const fd = proc.symbols.open(cString(path), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return undefined;
  try {
    const n = Number(proc.symbols.read(fd, buffer, BigInt(buffer.length)));
    return n > 0 ? new TextDecoder().decode(buffer.subarray(0, n)) : undefined;
  } finally {
    proc.symbols.close(fd);
  }
}

/**
 * Threads of this process asleep (state `S`) in the syscall numbered `nr`,
 * whose second argument satisfies `arg1`; undefined when /proc cannot be
 * read here.
 */
export function threadsAsleepIn(
  nr: number,
  arg1: (value: number) => boolean = () => true,
): number | undefined {
  const tids = list("/proc/self/task");
  if (tids === undefined) return undefined;
  let n = 0;
  for (const tid of tids) {
    if (tid.startsWith(".")) continue;
    const stat = read(`/proc/self/task/${tid}/stat`);
    const syscall = read(`/proc/self/task/${tid}/syscall`);
    if (stat === undefined || syscall === undefined) continue; // it ended
    // "tid (comm) S ...": comm may hold spaces and parentheses.
    if (stat[stat.lastIndexOf(")") + 2] !== "S") continue;
    // "16 0x3 0xc0284e82 ..." while in a syscall, "running" or "-1 ..." not.
    const [number, , request] = syscall.trim().split(" ");
    if (Number(number) !== nr || request === undefined) continue;
    if (arg1(Number.parseInt(request, 16) >>> 0)) n++;
  }
  return n;
}

/**
 * The waits queued on `nt` now: the emulated engine's census; on native,
 * the threads of this process asleep in an ntsync wait; undefined where
 * neither can be read.
 */
export function queuedWaits(nt: Backend): number | undefined {
  if (nt instanceof EmulatedBackend) return nt.census().waits;
  if (nt.kind !== "native") return undefined;
  const nr = IOCTL_NR[Deno.build.arch];
  return nr === undefined
    ? undefined
    : threadsAsleepIn(nr, (r) => WAITS.has(r));
}

/** Options of {@linkcode untilQueued}. */
export interface UntilQueuedOptions {
  /** How many more waits than `baseline` to wait for; default 1. */
  more?: number;
  /** Stop early (returning false) once this holds, e.g. the wait ended. */
  unless?: () => boolean;
  /** Give up (throwing) after this long; default {@linkcode QUEUE_MS}. */
  ms?: number;
}

/**
 * Resolve once `more` waits beyond `baseline` (a {@linkcode queuedWaits}
 * taken before the waits began) are queued on `nt`: true then, false if
 * `unless` held first. Where the queue cannot be seen (`baseline`
 * undefined) this is a pause of {@linkcode UNSEEN_SETTLE_MS} and true.
 */
export async function untilQueued(
  nt: Backend,
  baseline: number | undefined,
  options: UntilQueuedOptions = {},
): Promise<boolean> {
  const { more = 1, unless = () => false, ms = QUEUE_MS } = options;
  if (baseline === undefined) {
    await delay(UNSEEN_SETTLE_MS);
    return true;
  }
  const end = Date.now() + ms;
  for (;;) {
    if (unless()) return false;
    if ((queuedWaits(nt) ?? 0) >= baseline + more) return true;
    if (Date.now() > end) {
      throw new Error(
        `${nt.kind}: ${more} more wait(s) never queued in ${ms} ms (${
          queuedWaits(nt)
        } queued, ${baseline} before)`,
      );
    }
    await delay(1);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What {@linkcode queuedWait} started. */
export interface QueuedWait {
  /** The pending `ioctlAsync`. */
  readonly waiting: Promise<number>;
  /** Its `ntsync_wait_args` (index poisoned with 0xdeadbeef before). */
  readonly args: DataView;
  /** Its fd array: keep it alive until the wait ends. */
  readonly objs: Int32Array;
}

/**
 * Start an async WAIT_ANY (WAIT_ALL with `all`) of `owner` on `fds` from
 * device `dev`, with no timeout, and resolve once it is queued.
 */
export async function queuedWait(
  nt: Backend,
  dev: number,
  fds: readonly number[],
  owner: number,
  all = false,
): Promise<QueuedWait> {
  const { args, objs } = waitArgs(nt, fds, {
    timeout: FOREVER,
    index: 0xdead_beef,
    owner,
  });
  const before = queuedWaits(nt);
  const request = all ? NTSYNC_IOC_WAIT_ALL : NTSYNC_IOC_WAIT_ANY;
  const waiting = nt.ioctlAsync(dev, request, args);
  await untilQueued(nt, before);
  return { waiting, args, objs };
}
