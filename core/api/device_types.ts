/**
 * The plain data a device is given and gives: the options of
 * `createEvent`, and the token `share()` returns for a Worker.
 *
 * @module
 */

import type { ShareToken } from "../backend.ts";

/**
 * Options of {@linkcode Device.createEvent}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using gate = dev.createEvent({ manual: true, signaled: false });
 * assert.deepEqual(gate.read(), { manual: true, signaled: false });
 * ```
 */
export interface EventOptions {
  /** Manual-reset (stays signaled until `reset()`) instead of auto-reset. Default false. */
  manual?: boolean;
  /** Start signaled. Default false. */
  signaled?: boolean;
}

/**
 * What {@linkcode Device.share} returns: structured-cloneable, for
 * `postMessage` to a Worker and {@linkcode attachDevice} there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attachDevice, openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using sem = dev.createSemaphore(0, 1);
 * const message = structuredClone({ device: dev.share(), sem: sem.fd }); // as postMessage copies it
 * using there = attachDevice(message.device); // in the Worker
 * assert.equal(there.semaphore(message.sem).release(), 0);
 * assert.equal(sem.read().count, 1);
 * ```
 */
export interface DeviceToken {
  /** The backend's share token. */
  readonly backend: ShareToken;
  /** The device fd. */
  readonly fd: number;
}
