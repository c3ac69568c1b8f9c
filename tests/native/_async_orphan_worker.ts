/**
 * Worker for device_test.ts: attach the native token, start an async wait
 * on the semaphore fd it was given, say so once `ioctlAsync` has returned
 * (the wait is in the kernel), and stay at its event loop, to be terminated
 * with the wait still pending.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { attachBackend } from "../../select/registry.ts";
import { NTSYNC_IOC_WAIT_ANY, WaitArgs } from "../../uapi/mod.ts";

self.onmessage = (e: MessageEvent) => {
  const { token, dev, sem } = e.data;
  const nt = attachBackend(token);
  const objs = new Int32Array([sem]);
  const args = WaitArgs.alloc({
    timeout: nt.now() + 60_000_000_000n,
    objs: nt.addressOf(objs),
    count: 1,
    owner: 1,
    index: 5,
  });
  nt.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, args).catch(() => {});
  self.postMessage("waiting");
};
