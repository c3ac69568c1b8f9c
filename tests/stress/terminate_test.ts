/**
 * Workers stopped in the middle of a wait, in the safe order: `reap(token)`
 * with the token given to that Worker, then `worker.terminate()`.
 *
 * The engine cannot see a thread die: without reap, a Worker's wait record
 * would stay queued on its objects and a release would be claimed for a
 * thread that is gone (the release lost), and Deno's `terminate()` does not
 * even stop a Worker blocked in `Atomics.wait`. Reap revokes the Worker
 * first: the record leaves every queue and is freed (the Worker, woken,
 * gets ESRCH), and the mutexes its owner ids hold are abandoned, so the
 * next waiter gets EOWNERDEAD, as the kernel and Wine's server do when a
 * thread dies. (The old order, terminate then reap then MUTEX_KILL, let a
 * Worker that terminate() had not stopped run on with a killed mutex.)
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
} from "../../conformance/ops.ts";
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
  Deno.test(`stress: a Worker reaped during ${how}: its record leaves the queues; nothing is lost`, async () => {
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
      assert.equal(nt.reap(token), 1);
    } finally {
      peer.worker.terminate();
    }
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

Deno.test("stress: a Worker reaped owning a mutex: reap hands it, abandoned, to a waiting Worker", async () => {
  const { nt, dev } = freshDevice();
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
    assert.deepEqual(readMutex(nt, m), {
      owner: 77,
      count: 1,
      abandoned: false,
    });
    // 77 is the owner id it used: reap abandons that one's mutexes too.
    assert.equal(
      nt.reap(dead.token, { owners: [77] }),
      1,
      "the dead Worker's wait on s",
    );
    a.worker.terminate();
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
