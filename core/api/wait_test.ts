import assert from "node:assert/strict";
import { NtsyncError } from "../errors.ts";
import { openDevice } from "./device.ts";
import { LONG_MS, testEachBackend, untilBlocked } from "./_test_helpers.ts";

testEachBackend(
  "waitAny: the lowest acquirable index wins, one object per wait",
  (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(2, 2);
    using m = dev.createMutex();
    const opts = { owner: 123, timeout: 0 };
    assert.deepEqual(dev.waitAny([sem, m], opts), {
      status: "signaled",
      index: 0,
    });
    assert.deepEqual(dev.waitAny([sem, m], opts), {
      status: "signaled",
      index: 0,
    });
    assert.deepEqual(dev.waitAny([sem, m], opts), {
      status: "signaled",
      index: 1,
    });
    assert.deepEqual(sem.read(), { count: 0, max: 2 });
    assert.deepEqual(m.read(), { owner: 123, count: 1, abandoned: false });
    assert.deepEqual(dev.waitAny([sem], opts), { status: "timeout" });
  },
);

testEachBackend(
  "wait results are shared and frozen: a caller cannot change another wait's",
  (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(2, 2);
    using ev = dev.createEvent({ manual: true, signaled: false });
    const first = dev.waitAny([sem], { timeout: 0 });
    assert.ok(Object.isFrozen(first));
    assert.throws(() => {
      (first as { index: number }).index = 5;
    }, TypeError);
    assert.equal(dev.waitAny([sem], { timeout: 0 }), first);
    const timedOut = dev.waitAny([sem], { timeout: 0 });
    assert.ok(Object.isFrozen(timedOut));
    ev.set();
    const alerted = dev.waitAny([sem], { timeout: 0, alert: ev });
    assert.deepEqual(alerted, { status: "alerted", index: 1 });
    assert.ok(Object.isFrozen(alerted));
  },
);

testEachBackend(
  "waitAny: nothing to wait on and no alert times out",
  (backend) => {
    using dev = openDevice(backend);
    assert.deepEqual(dev.waitAny([], { timeout: 0 }), { status: "timeout" });
  },
);

testEachBackend(
  "waitAll: atomic; a partial set acquires nothing",
  (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(1, 1);
    using m = dev.createMutex(5);
    using ev = dev.createEvent({ manual: false, signaled: false });
    assert.deepEqual(dev.waitAll([sem, m, ev], { owner: 6, timeout: 0 }), {
      status: "timeout",
    });
    assert.deepEqual(sem.read(), { count: 1, max: 1 });
    assert.deepEqual(m.read(), { owner: 5, count: 1, abandoned: false });
    ev.set();
    m.unlock(5);
    assert.deepEqual(dev.waitAll([sem, m, ev], { owner: 6, timeout: 0 }), {
      status: "signaled",
      index: 0,
    });
    assert.deepEqual(sem.read(), { count: 0, max: 1 });
    assert.deepEqual(m.read(), { owner: 6, count: 1, abandoned: false });
    assert.deepEqual(ev.read(), { manual: false, signaled: false });
  },
);

testEachBackend("waitAll: of nothing succeeds at once", (backend) => {
  using dev = openDevice(backend);
  assert.deepEqual(dev.waitAll([]), { status: "signaled", index: 0 });
  using alert = dev.createEvent({ signaled: true });
  assert.deepEqual(dev.waitAll([], { alert }), {
    status: "signaled",
    index: 0,
  });
  assert.deepEqual(alert.read(), { manual: false, signaled: true }); // untouched
});

testEachBackend(
  "waitAll: an abandoned mutex among the objects reports 'abandoned'",
  (backend) => {
    using dev = openDevice(backend);
    using a = dev.createMutex(1);
    using b = dev.createMutex();
    a.kill(1);
    assert.deepEqual(dev.waitAll([b, a], { owner: 2, timeout: 0 }), {
      status: "abandoned",
      index: 0,
    });
    assert.deepEqual(a.read(), { owner: 2, count: 1, abandoned: false });
    assert.deepEqual(b.read(), { owner: 2, count: 1, abandoned: false });
  },
);

testEachBackend(
  "alert: 'alerted' with index = objects.length, objects untouched",
  (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(0, 1);
    using alert = dev.createEvent({ signaled: true });
    assert.deepEqual(dev.waitAny([sem], { alert, timeout: 0 }), {
      status: "alerted",
      index: 1,
    });
    assert.deepEqual(alert.read(), { manual: false, signaled: false }); // auto: consumed
    alert.set();
    using sem2 = dev.createSemaphore(0, 1);
    assert.deepEqual(dev.waitAll([sem, sem2], { alert, timeout: 0 }), {
      status: "alerted",
      index: 2,
    });
    alert.set();
    assert.deepEqual(dev.waitAny([], { alert, timeout: 0 }), {
      status: "alerted",
      index: 0,
    });
    // an acquirable object beats a signaled alert
    alert.set();
    sem.release();
    assert.deepEqual(dev.waitAny([sem], { alert, timeout: 0 }), {
      status: "signaled",
      index: 0,
    });
    assert.deepEqual(alert.read(), { manual: false, signaled: true });
  },
);

testEachBackend(
  "timeout: a relative timeout waits about that long",
  (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(0, 1);
    const t0 = performance.now();
    assert.deepEqual(dev.waitAny([sem], { timeout: 40 }), {
      status: "timeout",
    });
    const elapsed = performance.now() - t0;
    assert.ok(elapsed >= 39, `waited only ${elapsed} ms`);
    assert.ok(elapsed < 2000, `waited ${elapsed} ms`);
  },
);

testEachBackend(
  "deadline: absolute on either clock; a past deadline still acquires",
  (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(1, 1);
    assert.deepEqual(dev.waitAny([sem], { deadline: 0n }), {
      status: "signaled",
      index: 0,
    });
    // The clock is honoured: 3 s from now on the monotonic clock is long
    // past on the realtime clock (checked first: a wrong clock fails here
    // rather than hanging below).
    const t = performance.now();
    const early = dev.now("monotonic") + 3_000_000_000n;
    assert.deepEqual(
      dev.waitAny([sem], { deadline: early, clock: "realtime" }),
      { status: "timeout" },
    );
    assert.ok(performance.now() - t < 1000, "deadline read on the wrong clock");
    for (const clock of ["monotonic", "realtime"] as const) {
      const t0 = performance.now();
      const deadline = dev.now(clock) + 30_000_000n;
      assert.deepEqual(dev.waitAny([sem], { deadline, clock }), {
        status: "timeout",
      });
      const elapsed = performance.now() - t0;
      assert.ok(elapsed >= 29, `${clock}: waited only ${elapsed} ms`);
    }
    assert.deepEqual(
      dev.waitAny([sem], { deadline: dev.now("monotonic") - 1n }),
      {
        status: "timeout",
      },
    );
    assert.deepEqual(dev.waitAny([sem], { timeout: 5, clock: "realtime" }), {
      status: "timeout",
    });
  },
);

testEachBackend(
  "async: a release from a timer ends the wait",
  async (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(0, 1);
    using ev = dev.createEvent({ manual: true });
    const pending = dev.waitAnyAsync([ev, sem], { timeout: LONG_MS });
    await untilBlocked(dev);
    sem.release();
    assert.deepEqual(await pending, { status: "signaled", index: 1 });
    assert.deepEqual(sem.read(), { count: 0, max: 1 });
  },
);

testEachBackend(
  "async: waitAllAsync completes when the last object arrives",
  async (backend) => {
    using dev = openDevice(backend);
    using a = dev.createSemaphore(1, 1);
    using b = dev.createEvent();
    const pending = dev.waitAllAsync([a, b], { timeout: LONG_MS });
    await untilBlocked(dev);
    assert.deepEqual(a.read(), { count: 1, max: 1 }); // not taken while b is unsignaled
    b.set();
    assert.deepEqual(await pending, { status: "signaled", index: 0 });
    assert.deepEqual(a.read(), { count: 0, max: 1 });
    assert.deepEqual(b.read(), { manual: false, signaled: false });
  },
);

testEachBackend(
  "async: timeout, alert and abandoned are results too",
  async (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(0, 1);
    using alert = dev.createEvent({ manual: true });
    using m = dev.createMutex(3);
    assert.deepEqual(await dev.waitAnyAsync([sem], { timeout: 20 }), {
      status: "timeout",
    });
    const alerted = dev.waitAllAsync([sem], { alert, timeout: LONG_MS });
    await untilBlocked(dev);
    alert.set();
    assert.deepEqual(await alerted, { status: "alerted", index: 1 });
    const abandoned = dev.waitAnyAsync([sem, m], {
      owner: 4,
      timeout: LONG_MS,
    });
    await untilBlocked(dev);
    m.kill(3);
    assert.deepEqual(await abandoned, { status: "abandoned", index: 1 });
    assert.deepEqual(m.read(), { owner: 4, count: 1, abandoned: false });
  },
);

testEachBackend(
  "async: abort rejects with the signal's reason and acquires nothing",
  async (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(0, 1);
    const controller = new AbortController();
    const reason = new Error("user gave up");
    const pending = dev.waitAnyAsync([sem], { signal: controller.signal });
    await untilBlocked(dev);
    controller.abort(reason);
    await assert.rejects(pending, (err) => err === reason);
    sem.release();
    assert.deepEqual(sem.read(), { count: 1, max: 1 }); // the aborted wait took nothing
    // already aborted: rejects at once, without waiting
    await assert.rejects(
      dev.waitAllAsync([sem], { signal: AbortSignal.abort(reason) }),
      (err) => err === reason,
    );
    assert.deepEqual(sem.read(), { count: 1, max: 1 });
    await assert.rejects(
      dev.waitAnyAsync([sem], { signal: "stop" as unknown as AbortSignal }),
      {
        name: "TypeError",
        message: /waitAnyAsync: options.signal must be an AbortSignal/,
      },
    );
  },
);

testEachBackend(
  "async: many concurrent waits each get their own result",
  async (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(0, 16);
    // 9: one more than the idle wait slots a device keeps for reuse
    const waits = Array.from(
      { length: 9 },
      () => dev.waitAnyAsync([sem], { timeout: LONG_MS }),
    );
    await untilBlocked(dev, 9);
    sem.release(9);
    for (const result of await Promise.all(waits)) {
      assert.deepEqual(result, { status: "signaled", index: 0 });
    }
    assert.deepEqual(sem.read(), { count: 0, max: 16 });
  },
);

testEachBackend(
  "misuse: objects of another device, closed, or not objects",
  (backend) => {
    using dev = openDevice(backend);
    using other = openDevice(backend);
    using mine = dev.createSemaphore(1, 1);
    using theirs = other.createSemaphore(1, 1);
    assert.throws(() => dev.waitAny([mine, theirs], { timeout: 0 }), {
      name: "TypeError",
      message:
        /^waitAny: objects\[1\] \(a semaphore, fd \d+\) belongs to another device$/,
    });
    assert.throws(() => dev.waitAll([mine], { alert: theirs }), {
      name: "TypeError",
      message: /^waitAll: options.alert .* belongs to another device$/,
    });
    const closed = dev.createEvent();
    closed.close();
    assert.throws(() => dev.waitAny([mine, closed]), {
      name: "TypeError",
      message: /^waitAny: objects\[1\] \(an event, fd \d+\) is closed$/,
    });
    assert.throws(() => dev.waitAny([mine.fd as never]), {
      name: "TypeError",
      message:
        /objects\[0\] must be a Semaphore, Mutex or Event of this device, got \d+ \(pass the object, not its fd/,
    });
    assert.throws(() => dev.waitAny(mine as never), {
      name: "TypeError",
      message: /waitAny: objects must be an array/,
    });
    assert.deepEqual(mine.read(), { count: 1, max: 1 }); // nothing was waited on
  },
);

testEachBackend("misuse: counts, owners, timeouts, clocks", (backend) => {
  using dev = openDevice(backend);
  using sem = dev.createSemaphore(1, 1);
  const many = Array.from({ length: 65 }, () => sem);
  assert.throws(() => dev.waitAny(many), {
    name: "RangeError",
    message: "waitAny: objects may hold at most 64 objects, got 65",
  });
  assert.throws(() => dev.waitAny([sem], { owner: 0 }), {
    name: "RangeError",
    message:
      "waitAny: options.owner must be an integer in [1, 4294967295], got 0",
  });
  assert.throws(() => dev.waitAll([sem], { owner: 1.5 }), {
    name: "TypeError",
    message: /waitAll: options.owner .* got 1\.5/,
  });
  assert.throws(() => dev.waitAny([sem], { timeout: -1 }), {
    name: "RangeError",
    message: "waitAny: options.timeout must be >= 0 (or Infinity), got -1",
  });
  assert.throws(() => dev.waitAny([sem], { timeout: NaN }), {
    name: "RangeError",
  });
  assert.throws(() => dev.waitAny([sem], { timeout: "5" as never }), {
    name: "TypeError",
    message: /options.timeout must be a number/,
  });
  assert.throws(() => dev.waitAny([sem], { timeout: 5, deadline: 1n }), {
    name: "TypeError",
    message:
      "waitAny: options.timeout and options.deadline cannot both be given",
  });
  assert.throws(() => dev.waitAny([sem], { deadline: 5 as never }), {
    name: "TypeError",
    message: /options.deadline must be a bigint/,
  });
  assert.throws(() => dev.waitAny([sem], { deadline: -1n }), {
    name: "RangeError",
    message: /options.deadline must be in \[0, 2\^64-1\]/,
  });
  assert.throws(() => dev.waitAny([sem], { clock: "boot" as never }), {
    name: "TypeError",
    message: /options.clock must be "monotonic" or "realtime", got "boot"/,
  });
  assert.throws(
    () => dev.waitAll([sem], { signal: AbortSignal.abort() } as never),
    {
      name: "TypeError",
      message: /^waitAll: options.signal only applies to waitAllAsync/,
    },
  );
  assert.deepEqual(sem.read(), { count: 1, max: 1 });
});

testEachBackend(
  "misuse: a misspelt option is a TypeError naming it, not a wait forever",
  async (backend) => {
    using dev = openDevice(backend);
    using ev = dev.createEvent(); // never set: an ignored timeout would hang
    const allowed =
      "the options are owner, timeout, deadline, clock, alert, signal";
    assert.throws(() => dev.waitAny([ev], { timout: 0 } as never), {
      name: "TypeError",
      message:
        `waitAny: unknown option "timout" (did you mean "timeout"?); ${allowed}`,
    });
    assert.throws(() => dev.waitAll([ev], { timeout: 0, ownr: 3 } as never), {
      name: "TypeError",
      message:
        `waitAll: unknown option "ownr" (did you mean "owner"?); ${allowed}`,
    });
    await assert.rejects(dev.waitAnyAsync([ev], { wait: 1 } as never), {
      name: "TypeError",
      message: `waitAnyAsync: unknown option "wait"; ${allowed}`,
    });
    // Every documented option is accepted together.
    using alert = dev.createEvent();
    assert.deepEqual(
      dev.waitAny([ev], {
        owner: 5,
        deadline: 0n,
        clock: "realtime",
        alert,
      }),
      { status: "timeout" },
    );
    assert.deepEqual(
      await dev.waitAnyAsync([ev], {
        owner: 5,
        timeout: 0,
        clock: "monotonic",
        alert,
        signal: new AbortController().signal,
      }),
      { status: "timeout" },
    );
  },
);

testEachBackend(
  "misuse: a wait-all naming an object twice is a TypeError",
  (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(2, 2);
    using ev = dev.createEvent({ signaled: true });
    assert.throws(() => dev.waitAll([ev, sem, sem], { timeout: 0 }), {
      name: "TypeError",
      message: /^waitAll: objects\[2\] is the same object as objects\[1\]/,
    });
    assert.throws(() => dev.waitAll([sem, ev], { alert: ev, timeout: 0 }), {
      name: "TypeError",
      message: /^waitAll: options.alert is also objects\[1\]/,
    });
    // a borrowed second handle to the same fd is the same object too
    using again = dev.semaphore(sem.fd);
    assert.throws(() => dev.waitAll([sem, again], { timeout: 0 }), {
      name: "TypeError",
      message: /objects\[1\] is the same object as objects\[0\]/,
    });
    // wait-any accepts duplicates and acquires once
    assert.deepEqual(dev.waitAny([sem, sem], { timeout: 0 }), {
      status: "signaled",
      index: 0,
    });
    assert.deepEqual(sem.read(), { count: 1, max: 2 });
  },
);

testEachBackend(
  "misuse: a closed device refuses everything",
  async (backend) => {
    const dev = openDevice(backend);
    const sem = dev.createSemaphore(0, 1);
    dev.close();
    assert.equal(dev.closed, true);
    assert.equal(sem.closed, true); // closing the device closed its objects
    assert.throws(() => dev.waitAny([]), {
      name: "TypeError",
      message: "waitAny: the device is closed",
    });
    await assert.rejects(dev.waitAllAsync([]), {
      name: "TypeError",
      message: "waitAllAsync: the device is closed",
    });
    assert.throws(() => dev.createSemaphore(0, 1), {
      message: "createSemaphore: the device is closed",
    });
    assert.throws(() => dev.share(), {
      message: "share: the device is closed",
    });
    dev.close(); // idempotent
  },
);

testEachBackend(
  "errors that are not outcomes propagate as NtsyncError",
  (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(0, 1);
    const stale = dev.semaphore(sem.fd); // a borrowed handle: its fd can be closed elsewhere
    sem.close();
    assert.throws(
      () => dev.waitAny([stale], { timeout: 0 }),
      (err) => NtsyncError.is(err, "EINVAL"),
    );
  },
);

testEachBackend(
  "waits keep working however many fd array addresses were taken since",
  async (backend) => {
    // The emulated backend keeps only the 1024 most recent addresses; the
    // device's wait memory is found without one (Backend.tryWait).
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(2, 2);
    for (let i = 0; i < 3000; i++) backend.addressOf(new Int32Array(1));
    assert.deepEqual(dev.waitAny([sem], { timeout: 0 }), {
      status: "signaled",
      index: 0,
    });
    assert.deepEqual(await dev.waitAllAsync([sem], { timeout: 0 }), {
      status: "signaled",
      index: 0,
    });
  },
);

testEachBackend(
  "a wait after one with an owner and an alert carries the defaults again",
  (backend) => {
    using dev = openDevice(backend);
    using m = dev.createMutex();
    using alert = dev.createEvent({ manual: true });
    assert.deepEqual(dev.waitAny([m], { owner: 77, timeout: 0, alert }), {
      status: "signaled",
      index: 0,
    });
    m.unlock(77);
    alert.set(); // would win as index 1 if the alert were carried over
    assert.deepEqual(dev.waitAny([m], { timeout: 0 }), {
      status: "signaled",
      index: 0,
    });
    assert.equal(m.read().owner, dev.threadId); // not 77
    m.unlock();
    assert.deepEqual(dev.waitAny([m], { owner: 5, clock: "realtime" }), {
      status: "signaled",
      index: 0,
    });
    m.unlock(5);
    m.lock(); // plain again: the thread's own id, no alert, no flags
    assert.equal(m.read().owner, dev.threadId);
    m.unlock();
  },
);

testEachBackend(
  "a wait refused for a bad option leaves the next wait its defaults",
  (backend) => {
    using dev = openDevice(backend);
    using m = dev.createMutex();
    using alert = dev.createEvent({ manual: true, signaled: true });
    const closed = dev.createEvent();
    closed.close();
    // Each refused after a good owner, alert or clock came first.
    for (
      const bad of [
        { owner: 77, alert: closed },
        { owner: 77, alert, clock: "sundial" },
        { alert, owner: 77, timeout: -1 },
        { clock: "realtime", owner: 77, deadline: -1n },
        { owner: 77, alert, timout: 0 },
      ]
    ) {
      assert.throws(
        () => dev.waitAny([m], bad as never),
        (e: unknown) => e instanceof TypeError || e instanceof RangeError,
      );
      // The alert is signaled: carried over, it would not change the
      // result (the mutex wins at index 0), but the owner would.
      assert.deepEqual(dev.waitAny([m], { timeout: 0 }), {
        status: "signaled",
        index: 0,
      });
      assert.equal(m.read().owner, dev.threadId); // not 77
      m.unlock();
    }
    // No alert carried over either: with the mutex held elsewhere, a plain
    // poll times out instead of taking the signaled alert.
    assert.deepEqual(dev.waitAny([m], { owner: 9, timeout: 0 }), {
      status: "signaled",
      index: 0,
    });
    assert.throws(
      () => dev.waitAny([m], { owner: 77, alert, clock: 1 } as never),
      TypeError,
    );
    assert.deepEqual(dev.waitAny([m], { timeout: 0 }), { status: "timeout" });
    m.unlock(9);
  },
);

testEachBackend(
  "async: what is free at once settles at once; misuse and errors reject, never throw",
  async (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(1, 1);
    using other = openDevice(backend);
    using foreign = other.createSemaphore(1, 1);
    // Free now: settled before any timer or I/O turn of the event loop.
    let settled = false;
    const first = dev.waitAnyAsync([sem], { timeout: LONG_MS }).then((r) => {
      settled = true;
      return r;
    });
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(settled, true);
    assert.deepEqual(await first, { status: "signaled", index: 0 });
    // A poll that finds nothing times out as a result.
    assert.deepEqual(await dev.waitAnyAsync([sem], { timeout: 0 }), {
      status: "timeout",
    });
    // Not free now: it waits, and is woken.
    const later = dev.waitAnyAsync([sem], { timeout: LONG_MS });
    setTimeout(() => sem.release(), 10);
    assert.deepEqual(await later, { status: "signaled", index: 0 });
    // Errors of every kind come as rejections.
    const cases: [() => Promise<unknown>, ErrorConstructor][] = [
      [() => dev.waitAnyAsync([foreign]), TypeError],
      [() => dev.waitAnyAsync([sem], { timeout: -1 }), RangeError],
      [() => dev.waitAnyAsync([sem], { owner: 0 }), RangeError],
      [() => dev.waitAllAsync([sem, sem], { timeout: 0 }), TypeError],
    ];
    for (const [bad, kind] of cases) {
      let promise: Promise<unknown> | undefined;
      assert.doesNotThrow(() => {
        promise = bad();
      });
      await assert.rejects(promise!, kind);
    }
    // Its slot is back in the pool: many waits in a row do not grow it.
    for (let i = 0; i < 100; i++) {
      sem.release();
      await dev.waitAnyAsync([sem]);
    }
  },
);
