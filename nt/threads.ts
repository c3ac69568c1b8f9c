/**
 * The thread table: each thread's id, state, exit code, thread object (a
 * manual event set when it exits, what a wait on its handle waits for), its
 * alert event for APCs, its kill event (wakes it from any wait when it is
 * terminated), and its start gate (`CREATE_SUSPENDED`).
 *
 * A thread's exit abandons every mutex it owns, as Wine's server does with
 * `abandon_mutexes()` on thread death, over every mutex the process still
 * holds, including those whose handles were all closed (Windows does;
 * Wine 11 with ntsync does not: Wine bug 60417).
 *
 * @module
 */

import { NTSYNC_IOC_EVENT_SET, NTSYNC_IOC_MUTEX_KILL } from "../mod.ts";
import { discardApcs } from "./apc.ts";
import type { NtProcess } from "./process.ts";
import { THREAD } from "./shared.ts";

/** `GetExitCodeThread`'s code for a thread that has not exited. */
export const STILL_ACTIVE = 259;

/** Thread states in the table. */
export const ThreadState = { free: 0, running: 1, exited: 2 } as const;

/** One thread's row, as read from the table. */
export interface ThreadInfo {
  /** Row index. */
  readonly row: number;
  /** Thread id: its backend attachment's `threadId`, the owner of its waits. */
  readonly tid: number;
  /** Row of its thread object in the object table. */
  readonly object: number;
  /** Its APC alert event (manual-reset). */
  readonly alertFd: number;
  /** Its kill event (manual-reset, set when it is terminated). */
  readonly killFd: number;
  /** Its start gate (manual-reset, set unless created suspended). */
  readonly startFd: number;
}

function base(row: number): number {
  return THREAD.base + row * THREAD.words;
}

/**
 * Make a row for a new thread `tid` (its backend attachment's `threadId`,
 * the owner id of its waits) and its events. Null when the table is full.
 *
 * @example
 * ```ts
 * import { NtProcess } from "./process.ts";
 * import { createThreadRow } from "./threads.ts";
 * const process = NtProcess.create("emulated");
 * const main = createThreadRow(process, false, process.backend.threadId)!;
 * main.tid === process.backend.threadId; // true
 * process.close();
 * ```
 */
export function createThreadRow(
  process: NtProcess,
  suspended: boolean,
  tid: number,
): ThreadInfo | null {
  const exitFd = process.createEvent(1, 0);
  const alertFd = process.createEvent(1, 0);
  const killFd = process.createEvent(1, 0);
  const startFd = process.createEvent(1, suspended ? 0 : 1);
  const info = process.mem.locked(() => {
    const w = process.mem.words;
    for (let row = 0; row < THREAD.max; row++) {
      const b = base(row);
      if (w[b + THREAD.state] !== ThreadState.free) continue;
      const object = process.table.addObject("thread", exitFd);
      if (object < 0) return null;
      process.table.setExtra(object, row + 1);
      // The thread's own reference: its exit event outlives its handles.
      process.table.reference(object, 0);
      w[b + THREAD.tid] = tid;
      w[b + THREAD.state] = ThreadState.running;
      w[b + THREAD.exitCode] = STILL_ACTIVE;
      w[b + THREAD.object] = object;
      w[b + THREAD.alertFd] = alertFd;
      w[b + THREAD.killFd] = killFd;
      w[b + THREAD.startFd] = startFd;
      w[b + THREAD.suspended] = suspended ? 1 : 0;
      w[b + THREAD.entered] = 0;
      return { row, tid, object, alertFd, killFd, startFd };
    }
    return null;
  });
  if (!info) {
    for (const fd of [exitFd, alertFd, killFd, startFd]) {
      process.backend.close(fd);
    }
  }
  return info;
}

/** Row `row` of the table. */
export function threadInfo(process: NtProcess, row: number): ThreadInfo {
  const w = process.mem.words;
  const b = base(row);
  return {
    row,
    tid: w[b + THREAD.tid],
    object: w[b + THREAD.object],
    alertFd: w[b + THREAD.alertFd],
    killFd: w[b + THREAD.killFd],
    startFd: w[b + THREAD.startFd],
  };
}

/** Record that the thread's function is about to run. */
export function markEntered(process: NtProcess, row: number): void {
  Atomics.store(process.mem.words, base(row) + THREAD.entered, 1);
}

/** Whether the thread's function has started (or the thread has ended). */
export function hasEntered(process: NtProcess, row: number): boolean {
  return Atomics.load(process.mem.words, base(row) + THREAD.entered) !== 0 ||
    threadState(process, row) !== ThreadState.running;
}

/**
 * Whether thread `tid` in row `row` still runs (a row freed and reused by
 * another thread is not its own any more).
 */
export function threadAlive(
  process: NtProcess,
  row: number,
  tid: number,
): boolean {
  const w = process.mem.words;
  return Atomics.load(w, base(row) + THREAD.state) === ThreadState.running &&
    w[base(row) + THREAD.tid] === tid;
}

/** The thread's state (`ThreadState`). */
export function threadState(process: NtProcess, row: number): number {
  return Atomics.load(process.mem.words, base(row) + THREAD.state);
}

/** The thread's exit code (`STILL_ACTIVE` while it runs). */
export function threadExitCode(process: NtProcess, row: number): number {
  return process.mem.words[base(row) + THREAD.exitCode] >>> 0;
}

/** Whether the thread was created suspended and not resumed yet. */
export function resumeThread(process: NtProcess, row: number): number {
  const w = process.mem.words;
  const b = base(row);
  const was = w[b + THREAD.suspended];
  if (was) {
    w[b + THREAD.suspended] = 0;
    process.backend.ioctl(
      w[b + THREAD.startFd],
      NTSYNC_IOC_EVENT_SET,
      new Uint32Array(1),
    );
  }
  return was;
}

/**
 * Mark thread `row` ended with `exitCode`, once: true for the caller that
 * did, which must then call {@linkcode finishEnd}. Between the two, the
 * thread's own calls already unwind (they check the state), so whoever
 * ends a thread can revoke its attachment in between without racing the
 * thread's own exit path.
 */
export function claimEnd(
  process: NtProcess,
  row: number,
  exitCode: number,
): boolean {
  const w = process.mem.words;
  const b = base(row);
  return process.mem.locked(() => {
    if (w[b + THREAD.state] !== ThreadState.running) return false;
    w[b + THREAD.exitCode] = exitCode;
    Atomics.store(w, b + THREAD.state, ThreadState.exited);
    return true;
  });
}

/**
 * The rest of a thread's end: wake it from any wait (its kill and alert
 * events), abandon its mutexes, drop its APCs, then signal its thread
 * object, in that order, so that whoever sees the thread handle signaled
 * sees its mutexes abandoned.
 */
export function finishEnd(process: NtProcess, row: number): void {
  const info = threadInfo(process, row);
  const backend = process.backend;
  const scratch = new Uint32Array(1);
  backend.ioctl(info.killFd, NTSYNC_IOC_EVENT_SET, scratch);
  backend.ioctl(info.alertFd, NTSYNC_IOC_EVENT_SET, scratch);
  backend.ioctl(info.startFd, NTSYNC_IOC_EVENT_SET, scratch);
  abandonMutexes(process, info.tid);
  discardApcs(process.mem, info.tid);
  backend.ioctl(process.table.fdOf(info.object), NTSYNC_IOC_EVENT_SET, scratch);
  process.table.release(info.object);
}

/** {@linkcode claimEnd} then {@linkcode finishEnd}: false if it had ended. */
export function endThread(
  process: NtProcess,
  row: number,
  exitCode: number,
): boolean {
  if (!claimEnd(process, row, exitCode)) return false;
  finishEnd(process, row);
  return true;
}

/**
 * `NTSYNC_IOC_MUTEX_KILL` with owner `tid` on every mutex of the process,
 * as Wine's `abandon_inproc_mutexes()`; mutexes `tid` does not own refuse
 * with EPERM, which is expected.
 */
export function abandonMutexes(process: NtProcess, tid: number): void {
  const owner = new Uint32Array([tid]);
  for (const fd of process.table.mutexFds()) {
    try {
      process.backend.ioctl(fd, NTSYNC_IOC_MUTEX_KILL, owner);
    } catch {
      // EPERM: not this thread's
    }
  }
}

/** The row of the thread whose thread object is `object`, or -1. */
export function rowOfObject(process: NtProcess, object: number): number {
  return process.table.extraOf(object) - 1;
}

/**
 * Free the row of a thread that has ended and that no handle names any
 * more (its thread object is going): close its private events.
 */
export function freeThreadRow(process: NtProcess, row: number): void {
  const w = process.mem.words;
  const b = base(row);
  if (w[b + THREAD.state] !== ThreadState.exited) return;
  closeThreadEvents(process, row);
  w.fill(0, b, b + THREAD.words);
}

/** Close a thread's private events (alert, kill, start gate). */
export function closeThreadEvents(process: NtProcess, row: number): void {
  if (threadState(process, row) === ThreadState.free) return;
  const info = threadInfo(process, row);
  for (const fd of [info.alertFd, info.killFd, info.startFd]) {
    try {
      process.backend.close(fd);
    } catch {
      // already closed with the device
    }
  }
}
