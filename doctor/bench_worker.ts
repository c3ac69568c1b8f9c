/**
 * The Worker side of the doctor's handoff benchmark: wait for event A, set
 * event B, until the main thread raises the stop flag.
 *
 * @module
 */

import type { ShareToken } from "../core/backend.ts";
import { attachBackend } from "../select/registry.ts";
import {
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_WAIT_ANY,
  WaitArgs,
} from "../uapi/mod.ts";
import { workerScope } from "../conformance/worker_scope.ts";

const self = workerScope<HandoffJob>();

/** What the main thread sends: the shared backend, the events, a stop flag. */
export interface HandoffJob {
  /** `backend.share()`. */
  readonly token: ShareToken;
  /** The instance fd. */
  readonly dev: number;
  /** The event the main thread sets (auto-reset). */
  readonly a: number;
  /** The event this Worker sets (auto-reset). */
  readonly b: number;
  /** Set to 1 by the main thread to end the loop. */
  readonly stop: Int32Array;
}

/** What the Worker answers: attached, finished, or failed. */
export type HandoffReply =
  | { readonly kind: "ready" }
  | { readonly kind: "done"; readonly rounds: number }
  | { readonly kind: "error"; readonly message: string };

const WAIT_LIMIT_NS = 5_000_000_000n;

function run(job: HandoffJob): void {
  const nt = attachBackend(job.token);
  const objs = new Int32Array([job.a]);
  const wait = WaitArgs.alloc({ objs: nt.addressOf(objs), count: 1, owner: 2 });
  const prev = new DataView(new ArrayBuffer(4));
  self.postMessage({ kind: "ready" } satisfies HandoffReply);
  let rounds = 0;
  for (;;) {
    WaitArgs.write(wait, { timeout: nt.now("monotonic") + WAIT_LIMIT_NS });
    nt.ioctl(job.dev, NTSYNC_IOC_WAIT_ANY, wait);
    if (Atomics.load(job.stop, 0) !== 0) break;
    nt.ioctl(job.b, NTSYNC_IOC_EVENT_SET, prev);
    rounds++;
  }
  self.postMessage({ kind: "done", rounds } satisfies HandoffReply);
}

self.onmessage = (e: MessageEvent<HandoffJob>) => {
  try {
    run(e.data);
  } catch (err) {
    self.postMessage(
      {
        kind: "error",
        message: err instanceof Error ? err.message : String(err),
      } satisfies HandoffReply,
    );
  }
};
