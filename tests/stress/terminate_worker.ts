/// <reference lib="deno.worker" />
/**
 * A Worker that is terminated mid-wait: it optionally acquires a mutex
 * first, says so, then waits (blocking or async) and, if it is not
 * terminated first, reports the outcome and unlocks what it was told to.
 *
 * @module
 */

import {
  attachBackend,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  NtsyncError,
  type ShareToken,
  WaitArgs,
} from "../../mod.ts";
import {
  FOREVER,
  Ops,
  waitArgs,
  Waiter,
  type WaitOutcome,
} from "../../conformance/ops.ts";

/** The first message to this Worker. */
export interface TerminateInit {
  /** This Worker's own share token (what `reap` is given afterwards). */
  token: ShareToken;
  /** Device fd. */
  dev: number;
  /** Owner id for every mutex. */
  owner: number;
  /** A mutex to acquire (and keep) before the wait; 0: none. */
  own: number;
  /** The wait's objects. */
  objs: number[];
  /** WAIT_ALL instead of WAIT_ANY. */
  all: boolean;
  /** Alert fd, 0 for none. */
  alert: number;
  /** Wait with ioctlAsync (the event loop keeps running) instead of blocking. */
  async: boolean;
  /** A mutex to unlock after reporting the outcome; 0: none. */
  unlockAfter: number;
}

/** Messages: "owning" (after `own`), "waiting" (just before the wait), then the outcome. */
export type TerminateMessage = "owning" | "waiting" | WaitOutcome;

self.onmessage = async (e: MessageEvent<TerminateInit>) => {
  const init = e.data;
  const nt = attachBackend(init.token);
  const ops = new Ops(nt);
  if (init.own !== 0) {
    new Waiter(nt, init.dev, [init.own], { owner: init.owner }).index();
    self.postMessage("owning" satisfies TerminateMessage);
  }
  let outcome: WaitOutcome | null;
  if (init.async) {
    const { args } = waitArgs(nt, init.objs, {
      timeout: FOREVER,
      owner: init.owner,
      alert: init.alert,
    });
    self.postMessage("waiting" satisfies TerminateMessage);
    const request = init.all ? NTSYNC_IOC_WAIT_ALL : NTSYNC_IOC_WAIT_ANY;
    let abandoned = false;
    try {
      await nt.ioctlAsync(init.dev, request, args);
    } catch (err) {
      if (!(err instanceof NtsyncError) || err.code !== "EOWNERDEAD") throw err;
      abandoned = true;
    }
    outcome = { index: WaitArgs.read(args).index, abandoned };
  } else {
    const waiter = new Waiter(nt, init.dev, init.objs, init);
    self.postMessage("waiting" satisfies TerminateMessage);
    outcome = waiter.wait();
  }
  self.postMessage(outcome);
  if (init.unlockAfter !== 0) ops.unlock(init.unlockAfter, init.owner);
  self.close();
};
