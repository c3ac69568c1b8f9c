/**
 * Wine's sync model in TypeScript: threads, an abandoned mutex, and an
 * alertable wait woken by a user APC, written as a Wine conformance test
 * would write them in C, on the NT layer (`@ntsync/ntsync/nt`).
 *
 * 1. A thread takes a mutex and returns without releasing it: its death
 *    abandons the mutex, and the next `WaitForSingleObject` on it returns
 *    `WAIT_ABANDONED_0` (and owns it).
 * 2. A thread sleeps in `SleepEx(INFINITE, TRUE)`; the main thread queues a
 *    user APC to it with `QueueUserAPC`: the APC runs in that thread, and
 *    its sleep returns `WAIT_IO_COMPLETION`.
 *
 * Thread and APC functions are exports of a module (this one), run on
 * Workers attached to the same process.
 *
 * Run it: `deno task example:wine`
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  GENERIC_ALL,
  INFINITE,
  Kernel32,
  WAIT_ABANDONED_0,
  WAIT_IO_COMPLETION,
  WAIT_OBJECT_0,
} from "../nt/mod.ts";

const HERE = import.meta.url;

/** Thread 1: take the mutex, say so, and exit still holding it. */
export function hold_and_die(
  k32: Kernel32,
  p: { mutex: number; held: number },
): number {
  const r = k32.WaitForSingleObject(p.mutex, INFINITE);
  console.log(
    `  thread ${k32.GetCurrentThreadId()}: WaitForSingleObject(mutex) = ${r}; exiting without ReleaseMutex`,
  );
  k32.SetEvent(p.held);
  return 0x1234;
}

/** Thread 2: an alertable sleep that only an APC ends. */
export function sleeper(k32: Kernel32, p: { ready: number }): number {
  k32.SetEvent(p.ready);
  const r = k32.SleepEx(INFINITE, true);
  console.log(
    `  thread ${k32.GetCurrentThreadId()}: SleepEx(INFINITE, TRUE) = 0x${
      r.toString(16)
    } (WAIT_IO_COMPLETION is 0x${WAIT_IO_COMPLETION.toString(16)})`,
  );
  return r === WAIT_IO_COMPLETION ? 0 : 1;
}

/** The APC: runs inside thread 2's `SleepEx`. */
export function greet(k32: Kernel32, message: string): void {
  console.log(`  APC in thread ${k32.GetCurrentThreadId()}: ${message}`);
}

async function main(): Promise<void> {
  // "auto": the real /dev/ntsync when this process may use it, else the
  // emulation (shared by all Workers of the process).
  const k32 = Kernel32.open();
  try {
    console.log(
      `process on the ${k32.kind} backend, main thread ${k32.GetCurrentThreadId()}`,
    );

    // 1. An abandoned mutex.
    const mutex = k32.CreateMutexW(null, false, "Local\\example");
    const held = k32.CreateEventW(null, true, false, null);
    const t1 = k32.CreateThread(HERE, "hold_and_die", { mutex, held });
    k32.WaitForSingleObject(t1, INFINITE);
    const code = new Uint32Array(1);
    k32.GetExitCodeThread(t1, code);
    console.log(`main: the first thread exited with 0x${code[0].toString(16)}`);
    const r = k32.WaitForSingleObject(mutex, 0);
    assert.equal(code[0], 0x1234);
    assert.equal(r, WAIT_ABANDONED_0);
    console.log(
      `main: WaitForSingleObject(mutex) = 0x${r.toString(16)} ${
        r === WAIT_ABANDONED_0 ? "(WAIT_ABANDONED_0: we own it now)" : ""
      }`,
    );
    const released = k32.ReleaseMutex(mutex);
    assert.ok(released);
    console.log(`main: ReleaseMutex = ${released}`);

    // 2. An alertable wait woken by an APC.
    const ready = k32.CreateEventW(null, true, false, null);
    const t2 = k32.CreateThread(HERE, "sleeper", { ready });
    k32.WaitForSingleObject(ready, INFINITE);
    k32.Sleep(50); // let it reach SleepEx (an APC queued earlier runs at once anyway)
    assert.notEqual(
      k32.QueueUserAPC(HERE, "greet", t2, "hello from the main thread"),
      0,
    );
    assert.equal(k32.WaitForSingleObject(t2, INFINITE), WAIT_OBJECT_0);
    k32.GetExitCodeThread(t2, code);
    assert.equal(code[0], 0, "its SleepEx returned WAIT_IO_COMPLETION");
    console.log("main: the second thread ended, woken by the APC");

    // The NT layer under it: the same objects through k32.ntdll.
    const h = new Uint32Array(1);
    const prev = new Int32Array(1);
    k32.ntdll.NtCreateEvent(h, GENERIC_ALL, null, 1, false);
    k32.ntdll.NtSetEvent(h[0], prev);
    assert.equal(k32.ntdll.NtWaitForSingleObject(h[0], false, 0n), 0);
    k32.ntdll.NtSetEvent(h[0], prev);
    console.log(
      `ntdll: NtWaitForSingleObject(event, FALSE, -10 ms) = ${
        k32.ntdll.NtWaitForSingleObject(h[0], false, -100_000n)
      } (previous state ${prev[0]})`,
    );
    for (const handle of [mutex, held, t1, ready, t2, h[0]]) {
      k32.CloseHandle(handle);
    }
    await k32.joinThreads();
  } finally {
    k32.close();
  }
}

if (import.meta.main) await main();
