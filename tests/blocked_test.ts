/**
 * tests/_blocked.ts sees waiters queue and leave, on every backend, and its
 * /proc reader sees a sleeping thread at all (the positive control that
 * keeps the native census from passing blind: a reader that never counted
 * anything would make every `untilQueued` on native wait in vain, and a
 * reader that always counted would make it return at once).
 *
 * @module
 */

import assert from "node:assert/strict";
import { backendsUnderTest } from "./_backends.ts";
import { queuedWaits, threadsAsleepIn, untilQueued } from "./_blocked.ts";
import { createSem, FOREVER, waitArgs } from "../conformance/ops.ts";
import { NTSYNC_IOC_SEM_RELEASE, NTSYNC_IOC_WAIT_ANY } from "../uapi/ioctl.ts";

/** `futex(2)`'s syscall number, where V8's Atomics.wait sleeps. */
const FUTEX_NR: Partial<Record<string, number>> = { x86_64: 202, aarch64: 98 };

const SLEEPER = `self.onmessage = (e) => {
  const word = new Int32Array(e.data);
  self.postMessage("sleeping");
  Atomics.wait(word, 0, 0);
  self.postMessage("woken");
};`;

Deno.test({
  name:
    "the /proc reader sees a Worker asleep in Atomics.wait (positive control)",
  ignore: FUTEX_NR[Deno.build.arch] === undefined ||
    Deno.build.os !== "linux",
  async fn() {
    const futex = FUTEX_NR[Deno.build.arch]!;
    const before = threadsAsleepIn(futex);
    assert.notEqual(before, undefined, "/proc/self/task cannot be read");
    const url = URL.createObjectURL(
      new Blob([SLEEPER], { type: "text/javascript" }),
    );
    const worker = new Worker(url, { type: "module" });
    const word = new Int32Array(new SharedArrayBuffer(4));
    const messages: string[] = [];
    const next = () =>
      new Promise<void>((resolve) => {
        worker.onmessage = (e) => {
          messages.push(e.data);
          resolve();
        };
      });
    try {
      let got = next();
      worker.postMessage(word.buffer);
      await got;
      const end = Date.now() + 60_000;
      while (threadsAsleepIn(futex)! <= before!) {
        assert.ok(Date.now() < end, "the sleeping Worker was never seen");
        await new Promise((r) => setTimeout(r, 1));
      }
      got = next();
      Atomics.store(word, 0, 1);
      Atomics.notify(word, 0);
      await got;
      assert.deepEqual(messages, ["sleeping", "woken"]);
    } finally {
      worker.terminate();
      URL.revokeObjectURL(url);
    }
  },
});

for (const nt of backendsUnderTest()) {
  Deno.test(`${nt.kind}: queuedWaits counts an async wait while it is queued, and not after`, async () => {
    const dev = nt.open();
    const sem = createSem(nt, dev, 0, 1);
    try {
      const before = queuedWaits(nt);
      assert.notEqual(before, undefined, `${nt.kind}: no way to see waiters`);
      const { args, objs } = waitArgs(nt, [sem], {
        timeout: FOREVER,
        owner: 1,
      });
      const pending = nt.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, args);
      assert.equal(await untilQueued(nt, before), true);
      // Queued: the release goes to it, none is left for a poll.
      nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
      assert.equal(await pending, 0);
      const end = Date.now() + 60_000;
      while (queuedWaits(nt)! > before!) {
        assert.ok(Date.now() < end, "the woken wait is still counted");
        await new Promise((r) => setTimeout(r, 1));
      }
      objs[0] = sem; // the args hold only the array's address
    } finally {
      nt.close(sem);
      nt.close(dev);
    }
  });

  Deno.test(`${nt.kind}: untilQueued gives up, false, once its condition holds`, async () => {
    const before = queuedWaits(nt);
    assert.notEqual(before, undefined, `${nt.kind}: no way to see waiters`);
    assert.equal(
      await untilQueued(nt, before, { unless: () => true, ms: 1000 }),
      false,
    );
  });
}
