/**
 * Workers terminated in the middle of a wait.
 *
 * What happens: `worker.terminate()` stops the thread, blocking in
 * `Atomics.wait` or idle with an `Atomics.waitAsync` pending, but the
 * engine cannot see that: the Worker's wait record stays queued on its
 * objects, and a release would be claimed for a thread that is gone (the
 * release lost). The owner of the Worker calls `reap(token)` with the token
 * it gave that Worker; the record leaves every queue and is freed, as the
 * kernel does when a thread is killed. What a claim had already acquired for
 * the Worker stays acquired: a mutex it owned is the caller's to MUTEX_KILL,
 * and the next waiter gets it abandoned (EOWNERDEAD).
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  createEvent,
  createMutex,
  createSem,
  Ops,
  readMutex,
  readSem,
  Waiter,
} from "./_surface.ts";
import {
  assertSettled,
  freshDevice,
  Peer,
  pollUntil,
  READY_MS,
  withTimeout,
} from "./_harness.ts";
import type { TerminateInit, TerminateMessage } from "./terminate_worker.ts";

const worker = new URL("./terminate_worker.ts", import.meta.url);

for (
  const { async, all } of [
    { async: false, all: false },
    { async: false, all: true },
    { async: true, all: false },
    { async: true, all: true },
  ]
) {
  const how = `${async ? "an async" : "a blocking"} ${
    all ? "WAIT_ALL" : "WAIT_ANY"
  }`;
  Deno.test(`stress: a Worker terminated during ${how} leaves its record until reap(); then nothing is lost`, async () => {
    const { nt, dev } = freshDevice();
    const ops = new Ops(nt);
    const s = createSem(nt, dev, 0, 1);
    const m = createMutex(nt, dev);
    const ev = createEvent(nt, dev, false, false);
    const alert = createEvent(nt, dev, true, false);
    const token = nt.share();
    const init: TerminateInit = {
      token,
      dev,
      owner: 42,
      own: 0,
      // WAIT_ALL: s is empty, so the free mutex and the event are not taken.
      objs: all ? [m, ev, s] : [s],
      all,
      alert: all ? alert : 0,
      async,
      unlockAfter: 0,
    };
    const peer = new Peer(worker, init);
    try {
      assert.equal(
        await withTimeout(peer.next<TerminateMessage>(), READY_MS, "waiting"),
        "waiting",
      );
      pollUntil(
        () => nt.census().waits === 1,
        5_000,
        "the Worker's wait queued",
      );
    } finally {
      peer.worker.terminate();
    }
    // Terminated, the Worker will never return for its record.
    assert.equal(nt.census().waits, 1);
    assert.equal(nt.reap(token), 1);
    assert.equal(nt.census().waits, 0);
    assert.equal(nt.reap(token), 0, "reaping twice finds nothing");
    // Nothing of the dead wait is left on the objects: these are not taken.
    assert.equal(ops.release(s, 1), 0);
    assert.equal(ops.set(ev), 0);
    assert.deepEqual(readSem(nt, s), { count: 1, max: 1 });
    if (all) {
      // The queues are intact: a wait-all over the same objects takes them.
      assert.equal(
        new Waiter(nt, dev, [m, ev, s], { all: true, owner: 7 }).index(),
        0,
      );
      assert.equal(ops.unlock(m, 7), 1);
    } else {
      assert.equal(new Waiter(nt, dev, [s]).index(), 0);
      assert.equal(new Waiter(nt, dev, [ev]).index(), 0);
    }
    assertSettled(nt, dev, [
      { fd: s, sem: { count: 0, max: 1 } },
      { fd: m, mutex: { owner: 0, count: 0, abandoned: false } },
      { fd: ev, event: { manual: false, signaled: false } },
      { fd: alert, event: { manual: true, signaled: false } },
    ]);
  });
}

Deno.test("stress: a Worker terminated owning a mutex: MUTEX_KILL hands it, abandoned, to a waiting Worker", async () => {
  const { nt, dev } = freshDevice();
  const ops = new Ops(nt);
  const m = createMutex(nt, dev);
  const s = createSem(nt, dev, 0, 1);
  const dead = { token: nt.share(), owner: 77 };
  const heir = { token: nt.share(), owner: 88 };
  const common = { dev, all: false, alert: 0, async: false };
  const a = new Peer(
    worker,
    {
      ...common,
      ...dead,
      own: m,
      objs: [s],
      unlockAfter: 0,
    } satisfies TerminateInit,
  );
  let b: Peer | undefined;
  try {
    assert.equal(
      await withTimeout(a.next<TerminateMessage>(), READY_MS, "owning"),
      "owning",
    );
    assert.equal(
      await withTimeout(a.next<TerminateMessage>(), READY_MS, "waiting"),
      "waiting",
    );
    b = new Peer(
      worker,
      {
        ...common,
        ...heir,
        own: 0,
        objs: [m],
        unlockAfter: m,
      } satisfies TerminateInit,
    );
    assert.equal(
      await withTimeout(b.next<TerminateMessage>(), READY_MS, "heir waiting"),
      "waiting",
    );
    pollUntil(() => nt.census().waits === 2, 5_000, "both Workers queued");
    a.worker.terminate();
    assert.equal(nt.reap(dead.token), 1, "the dead Worker's wait on s");
    assert.deepEqual(readMutex(nt, m), {
      owner: 77,
      count: 1,
      abandoned: false,
    });
    ops.kill(m, 77);
    const outcome = await withTimeout(
      b.next<TerminateMessage>(),
      10_000,
      "heir woken",
    );
    assert.deepEqual(outcome, { index: 0, abandoned: true });
    // The heir unlocks after reporting.
    pollUntil(() => readMutex(nt, m).owner === 0, 5_000, "the heir unlocked");
  } finally {
    a.worker.terminate();
    b?.worker.terminate();
  }
  assertSettled(nt, dev, [
    { fd: m, mutex: { owner: 0, count: 0, abandoned: false } },
    { fd: s, sem: { count: 0, max: 1 } },
  ]);
});
