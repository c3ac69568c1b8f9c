/**
 * Subprocess for device_test.ts: start an async wait that can only time
 * out (300 ms), without awaiting it at top level. The process must stay
 * alive until it settles, print its errno name and exit.
 *
 * @module
 */

import { openNativeBackend } from "../../ffi/native.ts";
import { NtsyncError } from "../../core/errors.ts";
import {
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_WAIT_ANY,
  SemArgs,
  WaitArgs,
} from "../../uapi/mod.ts";

const nt = openNativeBackend();
const dev = nt.open();
const sem = nt.ioctl(
  dev,
  NTSYNC_IOC_CREATE_SEM,
  SemArgs.alloc({ count: 0, max: 1 }),
);
const objs = new Int32Array([sem]);
const args = WaitArgs.alloc({
  timeout: nt.now() + 300_000_000n,
  objs: nt.addressOf(objs),
  count: 1,
  owner: 1,
});
nt.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, args).then(
  () => console.log("acquired?"),
  (err) => console.log(err instanceof NtsyncError ? err.code : String(err)),
).finally(() => {
  nt.close(sem);
  nt.close(dev);
});
