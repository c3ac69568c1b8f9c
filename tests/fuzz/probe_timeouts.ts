/**
 * A probe for the real-kernel VM: which absolute timeouts at and above 2^63
 * the driver treats as "never", per clock. Prints one line per case.
 * `deno task test:kernel -- deno run --allow-all tests/fuzz/probe_timeouts.ts`
 *
 * @module
 */

import { getBackend } from "../../select/registry.ts";
import { NtsyncError } from "../../core/errors.ts";
import {
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ANY,
} from "../../uapi/ioctl.ts";
import { WaitArgs } from "../../uapi/structs.ts";
import { createSem, fdOf } from "../_tuples.ts";

const kind = (Deno.args[0] ?? "native") as "native" | "emulated";
const nt = getBackend(kind);
const dev = nt.open();
const sem = fdOf(createSem(nt, dev, 0, 1));
const objs = new Int32Array([sem]);
const values = [
  1n << 62n,
  (1n << 63n) - 1n,
  1n << 63n,
  (1n << 63n) + 1n,
  (1n << 64n) - 2n,
  (1n << 64n) - 1n,
];
for (const flags of [0, 1]) {
  for (const timeout of values) {
    const args = WaitArgs.alloc({
      timeout,
      objs: nt.addressOf(objs),
      count: 1,
      owner: 1,
      flags,
    });
    const started = performance.now();
    let outcome: string | undefined;
    const pending = nt.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, args).then(
      (r) =>
        outcome = `${r} after ${(performance.now() - started).toFixed(0)} ms`,
      (e) =>
        outcome = `${e instanceof NtsyncError ? e.code : e} after ${
          (performance.now() - started).toFixed(0)
        } ms`,
    );
    await new Promise((r) => setTimeout(r, 300));
    const blocked = outcome === undefined;
    if (blocked) nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
    await pending;
    console.log(
      `probe ${kind} flags=${flags} timeout=${timeout}: ${
        blocked ? "blocked >= 300 ms, then acquired" : outcome
      }`,
    );
  }
}
nt.close(sem);
nt.close(dev);
