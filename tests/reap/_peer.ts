/**
 * The main-thread side of the reap tests: a Worker running
 * `_reaped_worker.ts` on a device's share token.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Device, DeviceToken } from "../../core/api/device.ts";
import { Peer, READY_MS, withTimeout } from "../stress/_harness.ts";
import type { Job, Report } from "./_jobs.ts";

const url = new URL("./_reaped_worker.ts", import.meta.url);

/** A Worker attached to `dev` with a token of its own, running `job`. */
export class Reaped {
  /** Its token (what reap takes). */
  readonly token: DeviceToken;
  readonly #peer: Peer;
  /** Its thread id, once `ready` resolved. */
  threadId = 0;

  private constructor(dev: Device, job: Job) {
    this.token = dev.share();
    this.#peer = new Peer(url, { token: this.token, job });
  }

  /** Start it; resolves once it has attached. */
  static async start(dev: Device, job: Job): Promise<Reaped> {
    const r = new Reaped(dev, job);
    try {
      const ready = await withTimeout(r.next(), READY_MS, "worker ready");
      assert.equal(ready.kind, "ready");
      if (ready.kind === "ready") r.threadId = ready.threadId;
    } catch (err) {
      r.worker.terminate();
      throw err;
    }
    return r;
  }

  /** The Worker. */
  get worker(): Worker {
    return this.#peer.worker;
  }

  /** Its next report. */
  next(): Promise<Report> {
    return this.#peer.next<Report>();
  }

  /** Its next report, within `ms`. */
  within(ms: number, what: string): Promise<Report> {
    return withTimeout(this.next(), ms, what);
  }
}

/** Resolve after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
