// A Worker that attaches to a shared emulated device and, on each message,
// makes a 50 ms timed wait on an event nobody signals, and reports how long
// it took and what it returned (used by stack_depth_test.ts: a device left
// locked would make it hang).
import {
  attachBackend,
  NTSYNC_IOC_WAIT_ANY,
  type ShareToken,
  WaitArgs,
} from "../../mod.ts";
import { workerScope } from "../../conformance/worker_scope.ts";

const self = workerScope<{ token: ShareToken; dev: number; ev: number }>();

self.onmessage = (e) => {
  const { token, dev, ev } = e.data;
  const nt = attachBackend(token);
  const objs = new Int32Array([ev]);
  const args = WaitArgs.alloc({
    timeout: nt.now() + 50_000_000n,
    objs: nt.addressOf(objs),
    count: 1,
    owner: 5,
  });
  const start = performance.now();
  const r = nt.tryIoctl!(dev, NTSYNC_IOC_WAIT_ANY, args);
  self.postMessage({ ms: performance.now() - start, r });
};
