/**
 * How long the native `ioctlAsync` holds its caller (the event loop) until
 * the wait is queued in the kernel: the first call of the process (no
 * thread started for it yet) and then many calls (median and p99), against
 * one `ioctl` (SEM_READ) on the same machine; and, for comparison, one
 * `node:worker_threads` Worker constructor, which is what a first wait held
 * when every async wait ran on the worker pool (Deno's constructor is
 * synchronous). Needs `/dev/ntsync`: run it in the real-kernel VM,
 *
 * ```sh
 * npx -y deno@2.9.6 task test:kernel -- deno run --no-check -A bench/async_hold_vm.ts
 * ```
 *
 * @module
 */

import { getBackend } from "../select/registry.ts";
import {
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ANY,
  SemArgs,
} from "../mod.ts";
import { createSem, FOREVER, waitArgs } from "./_device.ts";
import { median } from "./_interleaved.ts";

const WAITS = Number(Deno.args[0] ?? 200);
const nt = getBackend(
  (Deno.env.get("NTSYNC_BENCH_BACKEND") ?? "native") as "native",
);
const dev = nt.open();
const sem = createSem(nt, dev, 0, 1);
// Keeps its fd array alive with it: the args hold only the array's address.
const wait = waitArgs(nt, [sem], { timeout: FOREVER, owner: 1 });
const args = wait.args;
const one = new Uint32Array([1]);
const read = SemArgs.alloc();

/** The synchronous part of one ioctlAsync wait, in µs; then let it finish. */
async function held(): Promise<number> {
  const t0 = performance.now();
  const p = nt.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, args);
  const us = (performance.now() - t0) * 1000;
  one[0] = 1;
  nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, one);
  await p;
  return us;
}

const first = await held();
const holds: number[] = [];
for (let i = 0; i < WAITS; i++) holds.push(await held());

const reads: number[] = [];
for (let r = 0; r < 50; r++) {
  const t0 = performance.now();
  for (let i = 0; i < 100; i++) nt.ioctl(sem, NTSYNC_IOC_SEM_READ, read);
  reads.push((performance.now() - t0) * 10); // µs per call
}
const ioctlUs = median(reads);
holds.sort((a, b) => a - b);
const p99 = holds[Math.min(holds.length - 1, Math.floor(holds.length * 0.99))];
const med = median(holds.slice());
const fmt = (us: number) =>
  `${us.toFixed(1)} µs (${(us / ioctlUs).toFixed(1)}x one ioctl)`;
console.log(
  `backend: ${nt.kind}, one ioctl (SEM_READ): ${ioctlUs.toFixed(2)} µs`,
);
console.log(`first ioctlAsync of the process: held ${fmt(first)}`);
console.log(
  `ioctlAsync, ${WAITS} waits after it: median ${fmt(med)}, p99 ${fmt(p99)}`,
);
nt.close(sem);
nt.close(dev);

const { Worker } = await import("node:worker_threads");
const t0 = performance.now();
const worker = new Worker(new URL("data:text/javascript,"));
const ctorUs = (performance.now() - t0) * 1000;
await worker.terminate();
console.log(`one node:worker_threads Worker constructor: ${fmt(ctorUs)}`);
