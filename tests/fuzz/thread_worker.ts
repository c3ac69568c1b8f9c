/**
 * A Worker of the threaded scenarios: posts `ready`, then for each request
 * attaches to the shared backend, performs one blocking WAIT_ANY/WAIT_ALL
 * and posts `started` just before it and `done` (result and index) after.
 *
 * @module
 */

import { attachBackend } from "../../select/registry.ts";
import { NtsyncError } from "../../core/errors.ts";
import { NTSYNC_IOC_WAIT_ALL, NTSYNC_IOC_WAIT_ANY } from "../../uapi/ioctl.ts";
import { WaitArgs } from "../../uapi/structs.ts";
import type { ShareToken } from "../../core/backend.ts";

/** What the main thread asks a worker to wait for. */
export interface WaitRequest {
  /** The shared backend. */
  readonly token: ShareToken;
  /** Device fd. */
  readonly dev: number;
  /** Object fds in `objs` order. */
  readonly objs: readonly number[];
  /** WAIT_ALL when true. */
  readonly all: boolean;
  /** The wait's owner. */
  readonly owner: number;
  /** Alert fd (0: none). */
  readonly alert: number;
  /** Relative timeout in ms (turned into an absolute one here). */
  readonly timeoutMs: number;
}

const scope = globalThis as unknown as {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent<WaitRequest>) => void) | null;
};

scope.onmessage = ({ data }) => {
  const nt = attachBackend(data.token);
  const fds = new Int32Array(data.objs);
  const args = WaitArgs.alloc({
    timeout: nt.now() + BigInt(data.timeoutMs) * 1_000_000n,
    objs: nt.addressOf(fds),
    count: fds.length,
    index: 0xdead_beef,
    owner: data.owner,
    alert: data.alert,
  });
  scope.postMessage({ type: "started" });
  let ret = "0";
  try {
    nt.ioctl(
      data.dev,
      data.all ? NTSYNC_IOC_WAIT_ALL : NTSYNC_IOC_WAIT_ANY,
      args,
    );
  } catch (err) {
    ret = err instanceof NtsyncError ? err.code : `throw:${String(err)}`;
  }
  scope.postMessage({ type: "done", ret, index: WaitArgs.read(args).index });
};

scope.postMessage({ type: "ready" });
