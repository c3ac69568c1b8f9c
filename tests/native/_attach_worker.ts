/**
 * Worker for device_test.ts: attach the native token, block in a wait on
 * the semaphore fd it was given, report the result (and an errno read in
 * this thread).
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { attachBackend } from "../../select/registry.ts";
import { NtsyncError } from "../../core/errors.ts";
import {
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_WAIT_ANY,
  WaitArgs,
} from "../../uapi/mod.ts";

self.onmessage = (e: MessageEvent) => {
  const { token, dev, sem } = e.data;
  const nt = attachBackend(token);
  let badFd = 0;
  try {
    nt.ioctl(0x7fff_fff0, NTSYNC_IOC_SEM_READ, null);
  } catch (err) {
    if (err instanceof NtsyncError) badFd = err.errno;
  }
  const objs = new Int32Array([sem]);
  const args = WaitArgs.alloc({
    timeout: nt.now() + 30_000_000_000n,
    objs: nt.addressOf(objs),
    count: 1,
    owner: 1,
    index: 5,
  });
  self.postMessage("waiting");
  const result = nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args);
  self.postMessage({ result, index: WaitArgs.read(args).index, badFd });
};
