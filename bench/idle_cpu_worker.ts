/// <reference lib="deno.worker" />
/**
 * An idle-wait Worker: the waiter waits on an auto-reset event (raw or
 * ntsync) again and again; the setter sleeps about a millisecond before
 * each set, so that every wait finds the event unset, spins, and sleeps.
 *
 * @module
 */

import {
  attachBackend,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_WAIT_ANY,
  type ShareToken,
} from "../mod.ts";
import { FOREVER, waitArgs } from "../conformance/ops.ts";
import { RawEvent } from "./_raw.ts";
import { serveInWorker } from "./_workers.ts";

// Shared words.
/** Bumped by the main thread to start a run. */
export const I_GO = 0;
/** Each Worker adds 1 when its part of a run is done. */
export const I_DONE = 1;
/** Waits per run. */
export const I_WAITS = 2;
/** 0: raw event; 1: ntsync event. */
export const I_KIND = 3;
/** Waits the waiter has finished in this run. */
export const I_TAKEN = 4;
/** The raw event's word. */
export const I_RAW = 5;
/** A word nothing changes: the setter's timed sleeps wait on it. */
export const I_NAP = 6;
/** Words in the shared block. */
export const I_WORDS = 8;

/** The first message to this Worker. */
export interface IdleInit {
  /** "waiter" or "setter". */
  role: "waiter" | "setter";
  /** This Worker's share token. */
  token: ShareToken;
  /** Device fd. */
  dev: number;
  /** The ntsync auto-reset event. */
  event: number;
  /** The shared words (I_*). */
  shared: SharedArrayBuffer;
  /** The setter's sleep before each set, in ms. */
  delayMs: number;
}

self.onmessage = (e: MessageEvent<IdleInit>) => {
  const { role, token, dev, event, shared, delayMs } = e.data;
  const nt = attachBackend(token);
  const w = new Int32Array(shared);
  const raw = new RawEvent(w, I_RAW);
  const wait = waitArgs(nt, [event], { owner: 1, timeout: FOREVER });
  const set = new DataView(new ArrayBuffer(4));
  self.postMessage("ready");
  serveInWorker(w, I_GO, I_DONE, () => {
    const waits = Atomics.load(w, I_WAITS);
    const ntsync = Atomics.load(w, I_KIND) === 1;
    if (role === "waiter") {
      for (let i = 0; i < waits; i++) {
        if (ntsync) nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, wait.args);
        else raw.wait();
        Atomics.store(w, I_TAKEN, i + 1);
      }
    } else {
      // Set until every wait is served: a set that came before the waiter
      // was back in its wait merges with the next (an auto-reset event).
      while (Atomics.load(w, I_TAKEN) < waits) {
        Atomics.wait(w, I_NAP, 0, delayMs);
        if (ntsync) nt.ioctl(event, NTSYNC_IOC_EVENT_SET, set);
        else raw.signal();
      }
    }
  });
};
