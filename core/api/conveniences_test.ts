import assert from "node:assert/strict";
import { openDevice } from "./device.ts";
import { MutexGuard } from "./mutex.ts";
import { testEachBackend } from "./_test_helpers.ts";

testEachBackend(
  "wait(): one object, the same outcomes as waitAny",
  async (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(1, 2);
    using ev = dev.createEvent({ manual: true });
    using mutex = dev.createMutex(7);
    assert.deepEqual(sem.wait({ timeout: 0 }), {
      status: "signaled",
      index: 0,
    });
    assert.deepEqual(sem.read(), { count: 0, max: 2 });
    assert.deepEqual(ev.wait({ timeout: 0 }), { status: "timeout" });
    using alert = dev.createEvent({ signaled: true });
    assert.deepEqual(ev.wait({ timeout: 0, alert }), {
      status: "alerted",
      index: 1,
    });
    // The owner defaults to the thread's id: 7 holds it, so this thread waits.
    assert.deepEqual(mutex.wait({ timeout: 0 }), { status: "timeout" });
    mutex.kill(7);
    assert.deepEqual(mutex.wait({ timeout: 0 }), {
      status: "abandoned",
      index: 0,
    });
    assert.equal(mutex.read().owner, dev.threadId);
    assert.throws(() => sem.wait({ timout: 0 } as never), {
      name: "TypeError",
      message: /^waitAny: unknown option "timout"/,
    });
    setTimeout(() => ev.set(), 5);
    assert.deepEqual(await ev.waitAsync({ timeout: 10_000 }), {
      status: "signaled",
      index: 0,
    });
  },
);

testEachBackend(
  "acquire(): true when taken, false on timeout or alert",
  async (backend) => {
    using dev = openDevice(backend);
    using slots = dev.createSemaphore(2, 2);
    assert.equal(slots.acquire(), true);
    assert.equal(slots.acquire({ timeout: 0 }), true);
    assert.equal(slots.acquire({ timeout: 0 }), false);
    using alert = dev.createEvent({ signaled: true });
    assert.equal(slots.acquire({ alert }), false);
    assert.deepEqual(slots.read(), { count: 0, max: 2 });
    setTimeout(() => slots.release(), 5);
    assert.equal(await slots.acquireAsync({ timeout: 10_000 }), true);
    const controller = new AbortController();
    const pending = slots.acquireAsync({ signal: controller.signal });
    controller.abort(new Error("no longer needed"));
    await assert.rejects(pending, { message: "no longer needed" });
    slots.release();
    assert.deepEqual(slots.read(), { count: 1, max: 2 }); // the aborted wait took nothing
  },
);

testEachBackend(
  "lock(): a guard that unlocks once, for this thread by default",
  async (backend) => {
    using dev = openDevice(backend);
    using mutex = dev.createMutex();
    {
      using outer = mutex.lock();
      assert.ok(outer instanceof MutexGuard);
      assert.equal(outer.owner, dev.threadId);
      assert.equal(outer.abandoned, false);
      {
        using inner = mutex.lock({ timeout: 0 });
        assert.ok(inner?.held);
        assert.deepEqual(mutex.read(), {
          owner: dev.threadId,
          count: 2,
          abandoned: false,
        });
      }
      assert.equal(mutex.read().count, 1);
      // Another owner cannot have it meanwhile.
      assert.equal(mutex.lock({ owner: 99, timeout: 0 }), null);
    }
    assert.deepEqual(mutex.read(), { owner: 0, count: 0, abandoned: false });

    const guard = mutex.lock({ owner: 42 })!;
    assert.equal(guard.owner, 42);
    assert.equal(guard.unlock(), 1);
    assert.equal(guard.held, false);
    assert.throws(() => guard.unlock(), {
      name: "TypeError",
      message: "MutexGuard.unlock: this guard already unlocked",
    });
    guard[Symbol.dispose](); // nothing more to do
    assert.deepEqual(mutex.read(), { owner: 0, count: 0, abandoned: false });

    // An abandoned mutex is acquired, and the guard says so.
    using dead = dev.createMutex(5);
    dead.kill(5);
    {
      using g = dead.lock({ timeout: 0 });
      assert.equal(g?.abandoned, true);
    }
    assert.deepEqual(dead.read(), { owner: 0, count: 0, abandoned: false });

    {
      using g = await mutex.lockAsync({ timeout: 10_000 });
      assert.equal(g?.owner, dev.threadId);
    }
    assert.equal(mutex.read().owner, 0);
  },
);
