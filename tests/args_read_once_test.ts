/**
 * The kernel copies `ntsync_wait_args` in once, when the wait starts. Memory
 * the caller changes while the wait runs is not seen: in particular a
 * `count` that grows must not bring in fds the wait never read (an earlier
 * wait's, left in scratch space).
 *
 * A Worker flips `count` between 1 and 2 for the whole test. Whichever value
 * a wait reads, it waits on `[a]` or on `[a, b]`, neither of them signaled,
 * and times out; the signaled `c` that the thread's previous wait named at
 * index 1 must never be acquired. (Before the engine read the args once, a
 * wait that read 1 and then 2 acquired c in about one wait of three.)
 *
 * @module
 */

import assert from "node:assert/strict";
import { backendsUnderTest } from "./_backends.ts";
import { NTSYNC_IOC_WAIT_ANY, NTSYNC_WAIT_ARGS_SIZE } from "../uapi/ioctl.ts";
import { WAIT, WaitArgs } from "../uapi/structs.ts";
import { Errno } from "../uapi/errno.ts";
import { createEvent, fdOf } from "./_tuples.ts";
import { errnoOf } from "./native/_errors.ts";

const WAITS = 20;
const TIMEOUT_MS = 5;
/** Byte offset of the flag that stops the Worker (a cache line after the args). */
const STOP = 64;

const FLIPPER = `
self.onmessage = (e) => {
  const words = new Int32Array(e.data.sab);
  const count = e.data.count / 4, stop = e.data.stop / 4;
  // Each value held for a few microseconds: a wait reads 1 or 2 at each
  // look, about as often.
  const hold = (us) => {
    const end = performance.now() + us / 1000;
    while (performance.now() < end);
  };
  self.postMessage("flipping");
  while (Atomics.load(words, stop) === 0) {
    Atomics.store(words, count, 2);
    hold(3);
    Atomics.store(words, count, 1);
    hold(3);
  }
};
`;
for (const nt of backendsUnderTest()) {
  Deno.test(`wait args: ${nt.kind}: read once, so a count that grows meanwhile never adds an earlier wait's fds`, async () => {
    const dev = nt.open();
    const a = fdOf(createEvent(nt, dev, 0, 0));
    const b = fdOf(createEvent(nt, dev, 0, 0));
    const c = fdOf(createEvent(nt, dev, 1, 1)); // manual: stays signaled
    const flipper = new Worker(
      URL.createObjectURL(new Blob([FLIPPER], { type: "text/javascript" })),
      { type: "module" },
    );
    const sab = new SharedArrayBuffer(128);
    const words = new Int32Array(sab);
    try {
      // Before each wait under test, a wait that names c at index 1 and
      // takes it (the emulated engine's scratch space then holds c's fd).
      const earlier = new Int32Array([a, c]);
      const poll = WaitArgs.alloc({
        timeout: 0n,
        objs: nt.addressOf(earlier),
        count: 2,
        owner: 1,
      });

      const objs = new Int32Array([a, b]);
      const args = new DataView(sab, 0, NTSYNC_WAIT_ARGS_SIZE);
      WaitArgs.write(args, { objs: nt.addressOf(objs), count: 1, owner: 1 });
      const flipping = new Promise((resolve) => {
        flipper.onmessage = (e) => resolve(e.data);
      });
      flipper.postMessage({ sab, count: WAIT.count, stop: STOP });
      assert.equal(await flipping, "flipping");

      for (let i = 0; i < WAITS; i++) {
        assert.equal(nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, poll), 0);
        assert.equal(WaitArgs.read(poll).index, 1);
        const timeout = nt.now("monotonic") + BigInt(TIMEOUT_MS * 1e6);
        args.setBigUint64(WAIT.timeout, timeout, true);
        args.setUint32(WAIT.index, 0xffff_ffff, true);
        assert.equal(
          errnoOf(() => nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args)),
          Errno.ETIMEDOUT,
          `wait ${i}: acquired index ${args.getUint32(WAIT.index, true)}`,
        );
      }
    } finally {
      Atomics.store(words, STOP / 4, 1);
      flipper.terminate();
      for (const fd of [a, b, c, dev]) nt.close(fd);
    }
  });
}
