/// <reference lib="deno.worker" />
/**
 * A pulse-storm waiter: waits (WAIT_ANY or WAIT_ALL, with an alert) again
 * and again, counting each wake by index in shared memory, until the alert
 * ends it. On a wake it can give semaphores back (an all-waiter returning
 * the semaphore it acquired with the event).
 *
 * @module
 */

import { attachBackend, type ShareToken } from "../../mod.ts";
import { Ops, Waiter } from "../../conformance/ops.ts";

/** Word of the shared counters holding every Worker's wakes (notified on change). */
export const TOTAL = 0;

/** The first message to this Worker. */
export interface PulseWaiterInit {
  /** The device's share token. */
  token: ShareToken;
  /** Device fd. */
  dev: number;
  /** Owner id. */
  owner: number;
  /** Objects waited on. */
  objs: number[];
  /** WAIT_ALL (true) or WAIT_ANY. */
  all: boolean;
  /** Alert fd: its index (`objs.length`) ends the loop. */
  alert: number;
  /** Shared counters: TOTAL, and this Worker's wakes per index from `slot`. */
  counters: SharedArrayBuffer;
  /** First word of this Worker's per-index counts (objs.length + 1 words). */
  slot: number;
  /** Semaphores released by 1 after a wake with index 0. */
  giveBack: number[];
}

/** The Worker's last message: wakes per index (the alert's last). */
export interface PulseWaiterDone {
  /** Wakes per index, `objs.length + 1` entries. */
  wakes: number[];
}

self.onmessage = (e: MessageEvent<PulseWaiterInit>) => {
  const init = e.data;
  const nt = attachBackend(init.token);
  const ops = new Ops(nt);
  const c = new Int32Array(init.counters);
  const waiter = new Waiter(nt, init.dev, init.objs, {
    all: init.all,
    owner: init.owner,
    alert: init.alert,
  });
  const alertIndex = init.objs.length;
  const wakes: number[] = new Array(alertIndex + 1).fill(0);
  self.postMessage("ready");
  for (;;) {
    const index = waiter.index();
    if (
      index > alertIndex || (init.all && index !== 0 && index !== alertIndex)
    ) {
      throw new Error(`wait returned index ${index}`);
    }
    wakes[index]++;
    if (index === alertIndex) break;
    if (index === 0) { for (const sem of init.giveBack) ops.release(sem, 1); }
    // Counted after everything the wake entails, so a reader that sees the
    // count also sees the semaphores given back.
    Atomics.add(c, init.slot + index, 1);
    Atomics.add(c, TOTAL, 1);
    Atomics.notify(c, TOTAL);
  }
  self.postMessage({ wakes } satisfies PulseWaiterDone);
  self.close();
};
