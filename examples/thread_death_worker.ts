/**
 * The Worker of `thread_death.ts`: takes the mutex, does half of a
 * two-step update of the ledger it guards, then hangs (a wait on an event
 * nobody sets) until its owner reaps it.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { attachDevice, type DeviceToken, NtsyncError } from "../mod.ts";

/** What the main thread sends. */
export interface Setup {
  /** This Worker's own `device.share()` token (the one the owner reaps). */
  device: DeviceToken;
  /** The fd of the mutex that guards the ledger. */
  mutex: number;
  /** The fd of an event nobody sets. */
  never: number;
  /** Two balances whose sum is always 100 (outside a critical section). */
  ledger: SharedArrayBuffer;
}

/** What this Worker tells the main thread. */
export type Report =
  | { what: "holding"; threadId: number }
  | { what: "woken"; code: string };

const post = (report: Report) => self.postMessage(report);

self.onmessage = (e: MessageEvent<Setup>) => {
  const device = attachDevice(e.data.device);
  const mutex = device.mutex(e.data.mutex);
  const ledger = new Int32Array(e.data.ledger);
  if (mutex.lock() === null) {
    throw new Error("lock() without a timeout gave up");
  }
  // Move 10 from account 0 to account 1: the first half...
  Atomics.sub(ledger, 0, 10);
  post({ what: "holding", threadId: device.threadId });
  // ...and the thread hangs before the second half, the mutex still held.
  try {
    device.waitAny([device.event(e.data.never)]);
  } catch (err) {
    // Reaped: every call of this thread now fails ESRCH, this wait included.
    if (!(err instanceof NtsyncError)) throw err;
    post({ what: "woken", code: err.code });
  }
};
