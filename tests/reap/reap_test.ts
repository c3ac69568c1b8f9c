/**
 * reap(token) on every backend, with real Workers: blocked, looping, owning
 * mutexes, or gone; each check exact about what changed and what did not.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openDevice } from "../../core/api/device.ts";
import type { Backend } from "../../core/backend.ts";
import { Errno } from "../../uapi/errno.ts";
import { backendsUnderTest } from "../_backends.ts";
import { queuedWaits, untilQueued } from "../_blocked.ts";
import { LOOP_RELEASED, LOOP_ROUNDS } from "./_jobs.ts";
import { Reaped, sleep } from "./_peer.ts";

/** How long a Worker gets to report after a reap (qemu TCG is slow). */
const REPORT_MS = 60_000;

function forEachBackend(
  name: string,
  fn: (backend: Backend) => Promise<void>,
): void {
  for (const backend of backendsUnderTest()) {
    Deno.test(`${backend.kind}: ${name}`, () => fn(backend));
  }
}

for (const async of [false, true]) {
  for (const all of [false, true]) {
    const how = `${async ? "an async" : "a blocking"} infinite ${
      all ? "waitAll" : "waitAny"
    }`;
    forEachBackend(
      `reap: a Worker blocked in ${how} gets ESRCH, never a timeout, and takes nothing`,
      async (backend) => {
        using dev = openDevice(backend);
        using sem = dev.createSemaphore(0, 2);
        using ev = dev.createEvent();
        const before = queuedWaits(backend);
        const w = await Reaped.start(dev, {
          kind: "block",
          all,
          sems: [sem.fd],
          events: [ev.fd],
          async,
        });
        try {
          assert.deepEqual(await w.within(REPORT_MS, "waiting"), {
            kind: "waiting",
          });
          // Reap it blocked, as the name says (reaped before it waits, it
          // would get ESRCH all the same, and the test would pass blind).
          await untilQueued(backend, before);
          dev.reap(w.token);
          assert.deepEqual(
            await w.within(REPORT_MS, "the reaped wait"),
            { kind: "ended", errno: Errno.ESRCH },
          );
          // Nothing is queued for it: what is released now stays.
          assert.equal(sem.release(1), 0);
          ev.set();
          assert.deepEqual(sem.read(), { count: 1, max: 2 });
          assert.deepEqual(ev.read(), { manual: false, signaled: true });
          dev.reap(w.token); // idempotent
          assert.deepEqual(sem.read(), { count: 1, max: 2 });
        } finally {
          w.worker.terminate();
        }
      },
    );
  }
}

forEachBackend(
  "reap: a Worker looping over calls: its calls fail ESRCH from then on and change nothing",
  async (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(0, 0xffff_ffff);
    using ev = dev.createEvent({ manual: true });
    const words = new Int32Array(new SharedArrayBuffer(16));
    const w = await Reaped.start(dev, {
      kind: "loop",
      sem: sem.fd,
      event: ev.fd,
      words: words.buffer as SharedArrayBuffer,
    });
    try {
      while (Atomics.load(words, LOOP_ROUNDS) < 200) await sleep(5);
      dev.reap(w.token);
      // From here on nothing of it may land: fix the state, then let it run.
      const count = sem.read().count;
      ev.set();
      assert.deepEqual(
        await w.within(REPORT_MS, "the looping Worker's ESRCH"),
        { kind: "ended", errno: Errno.ESRCH },
      );
      await sleep(20);
      assert.deepEqual(sem.read(), { count, max: 0xffff_ffff });
      // Every release that succeeded was counted: none lost, none extra.
      assert.equal(count, Atomics.load(words, LOOP_RELEASED));
      assert.deepEqual(ev.read(), { manual: true, signaled: true });
    } finally {
      w.worker.terminate();
    }
  },
);

forEachBackend(
  "reap: a Worker's mutexes are abandoned; the waiter gets abandoned; a second reap changes nothing",
  async (backend) => {
    using dev = openDevice(backend);
    using mine = dev.createMutex(); // acquired with the Worker's thread id
    using named = dev.createMutex(); // acquired with owner 4242
    using other = dev.createMutex(4243); // 4243 is not the Worker's
    using sem = dev.createSemaphore(0, 1);
    const w = await Reaped.start(dev, {
      kind: "hold",
      mutexes: [mine.fd, named.fd],
      owners: [undefined, 4242],
      sem: sem.fd,
    });
    try {
      assert.deepEqual(await w.within(REPORT_MS, "holding"), {
        kind: "holding",
      });
      assert.deepEqual(mine.read(), {
        owner: w.threadId,
        count: 1,
        abandoned: false,
      });
      const before = queuedWaits(backend);
      const heir = dev.waitAnyAsync([mine]);
      // The reap must meet the heir queued, or it would find the mutex
      // already abandoned and pass without testing the hand-over.
      await untilQueued(backend, before);
      dev.reap(w.token, { owners: [4242] });
      assert.deepEqual(await heir, { status: "abandoned", index: 0 });
      assert.deepEqual(mine.read(), {
        owner: dev.threadId,
        count: 1,
        abandoned: false,
      });
      assert.deepEqual(named.read(), { owner: 0, count: 0, abandoned: true });
      assert.deepEqual(other.read(), {
        owner: 4243,
        count: 1,
        abandoned: false,
      });
      assert.deepEqual(
        await w.within(REPORT_MS, "the reaped wait"),
        { kind: "ended", errno: Errno.ESRCH },
      );
      dev.reap(w.token, { owners: [4242] });
      assert.deepEqual(mine.read(), {
        owner: dev.threadId,
        count: 1,
        abandoned: false,
      });
      assert.equal(mine.unlock(), 1);
      assert.deepEqual(sem.read(), { count: 0, max: 1 });
    } finally {
      w.worker.terminate();
    }
  },
);

forEachBackend(
  "reap: a Worker that is gone: its mutex is abandoned all the same",
  async (backend) => {
    using dev = openDevice(backend);
    using m = dev.createMutex();
    const w = await Reaped.start(dev, {
      kind: "hold",
      mutexes: [m.fd],
      owners: [undefined],
      sem: -1,
    });
    assert.deepEqual(await w.within(REPORT_MS, "holding"), { kind: "holding" });
    assert.deepEqual(await w.within(REPORT_MS, "idle"), {
      kind: "ended",
      status: "idle",
    });
    w.worker.terminate();
    await sleep(20);
    assert.equal(m.read().owner, w.threadId);
    dev.reap(w.token);
    assert.deepEqual(m.read(), { owner: 0, count: 0, abandoned: true });
    assert.equal(dev.waitAny([m], { timeout: 0 }).status, "abandoned");
    assert.equal(m.unlock(), 1);
  },
);

forEachBackend(
  "threadId: each Worker's attachment has its own",
  async (backend) => {
    using dev = openDevice(backend);
    const workers = [];
    try {
      for (let i = 0; i < 3; i++) {
        workers.push(
          await Reaped.start(dev, {
            kind: "hold",
            mutexes: [],
            owners: [],
            sem: -1,
          }),
        );
      }
      const ids = new Set([dev.threadId, ...workers.map((w) => w.threadId)]);
      assert.equal(ids.size, 4);
      assert.ok(!ids.has(0));
    } finally {
      for (const w of workers) w.worker.terminate();
    }
  },
);
