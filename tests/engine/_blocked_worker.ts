// A Worker that attaches to a shared emulated device and blocks forever in a
// WAIT_ANY on the fds it is given (used to test terminate + reap).
import {
  attachBackend,
  NTSYNC_IOC_WAIT_ANY,
  type ShareToken,
  WaitArgs,
} from "../../mod.ts";
import { workerScope } from "../../conformance/worker_scope.ts";

const self = workerScope<{ token: ShareToken; dev: number; fds: number[] }>();

self.onmessage = (e) => {
  const { token, dev, fds } = e.data;
  const nt = attachBackend(token);
  const objs = new Int32Array(fds);
  const args = WaitArgs.alloc({
    timeout: 0xffff_ffff_ffff_ffffn,
    objs: nt.addressOf(objs),
    count: fds.length,
    owner: 77,
  });
  self.postMessage("blocking");
  nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args);
  self.postMessage("returned");
};
