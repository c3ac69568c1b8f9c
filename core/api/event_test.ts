import assert from "node:assert/strict";
import { openDevice } from "./device.ts";
import { Event } from "./event.ts";
import {
  delay,
  LONG_MS,
  testEachBackend,
  untilBlocked,
} from "./_test_helpers.ts";

testEachBackend(
  "event: auto-reset by default; set/reset/pulse return the previous state",
  (backend) => {
    using dev = openDevice(backend);
    using ev = dev.createEvent();
    assert.ok(ev instanceof Event);
    assert.equal(ev.kind, "event");
    assert.deepEqual(ev.read(), { manual: false, signaled: false });
    // the sequence of Wine's ntdll test_event on a SynchronizationEvent
    assert.equal(ev.pulse(), false);
    assert.deepEqual(ev.read(), { manual: false, signaled: false });
    assert.equal(ev.set(), false);
    assert.deepEqual(ev.read(), { manual: false, signaled: true });
    assert.equal(ev.set(), true);
    assert.equal(ev.reset(), true);
    assert.equal(ev.reset(), false);
    assert.equal(ev.pulse(), false);
    assert.equal(ev.set(), false);
    assert.equal(ev.pulse(), true);
    assert.deepEqual(ev.read(), { manual: false, signaled: false });
  },
);

testEachBackend(
  "event: manual stays signaled through waits, auto is consumed",
  (backend) => {
    using dev = openDevice(backend);
    using manual = dev.createEvent({ manual: true, signaled: true });
    using auto = dev.createEvent({ signaled: true });
    assert.deepEqual(manual.read(), { manual: true, signaled: true });
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(dev.waitAny([manual], { timeout: 0 }), {
        status: "signaled",
        index: 0,
      });
    }
    assert.deepEqual(dev.waitAny([auto], { timeout: 0 }), {
      status: "signaled",
      index: 0,
    });
    assert.deepEqual(dev.waitAny([auto], { timeout: 0 }), {
      status: "timeout",
    });
    assert.deepEqual(auto.read(), { manual: false, signaled: false });
  },
);

/**
 * Pulse until `settled()` reports progress: a pulse only reaches waiters that
 * are already queued, and an async wait queues at a time the caller cannot
 * observe (on the native backend, from another thread).
 */
async function pulseUntil(
  ev: Event,
  settled: () => number,
  atLeast: number,
): Promise<number> {
  const before = settled();
  for (let i = 0; i < 1000 && settled() < atLeast; i++) {
    ev.pulse();
    await delay(10);
    // one pulse of an auto-reset event wakes at most one waiter
    if (!ev.read().manual) assert.ok(settled() - before <= i + 1);
  }
  return settled();
}

function tracker(waits: Promise<unknown>[]): () => number {
  let n = 0;
  for (const w of waits) w.then(() => n++, () => n++);
  return () => n;
}

testEachBackend(
  "event: pulse of a manual event wakes pending waiters, ends unsignaled",
  async (backend) => {
    using dev = openDevice(backend);
    using ev = dev.createEvent({ manual: true });
    const a = dev.waitAnyAsync([ev], { timeout: LONG_MS });
    const b = dev.waitAnyAsync([ev], { timeout: LONG_MS });
    await untilBlocked(dev, 2);
    assert.equal(await pulseUntil(ev, tracker([a, b]), 2), 2);
    assert.deepEqual(await a, { status: "signaled", index: 0 });
    assert.deepEqual(await b, { status: "signaled", index: 0 });
    assert.deepEqual(ev.read(), { manual: true, signaled: false });
  },
);

testEachBackend(
  "event: pulse of an auto event wakes one waiter per pulse",
  async (backend) => {
    using dev = openDevice(backend);
    using ev = dev.createEvent();
    const waits = [
      dev.waitAnyAsync([ev], { timeout: LONG_MS }),
      dev.waitAnyAsync([ev], { timeout: LONG_MS }),
    ];
    const settled = tracker(waits);
    await untilBlocked(dev, 2);
    assert.equal(await pulseUntil(ev, settled, 1), 1);
    assert.deepEqual(ev.read(), { manual: false, signaled: false });
    assert.equal(await pulseUntil(ev, settled, 2), 2);
    for (const w of waits) {
      assert.deepEqual(await w, { status: "signaled", index: 0 });
    }
  },
);

testEachBackend("event: createEvent checks its options", (backend) => {
  using dev = openDevice(backend);
  assert.throws(() => dev.createEvent({ manual: 1 as unknown as boolean }), {
    name: "TypeError",
    message: "createEvent: options.manual must be a boolean, got 1",
  });
  assert.throws(
    () => dev.createEvent({ signaled: "yes" as unknown as boolean }),
    {
      name: "TypeError",
      message: /createEvent: options.signaled must be a boolean, got "yes"/,
    },
  );
  assert.throws(() => dev.createEvent(null as unknown as object), {
    name: "TypeError",
    message: /createEvent: options must be an object/,
  });
  assert.throws(() => dev.createEvent({ manaul: true } as never), {
    name: "TypeError",
    message:
      'createEvent: unknown option "manaul" (did you mean "manual"?); the options are manual, signaled',
  });
});

testEachBackend("event: closed handles throw TypeError", (backend) => {
  using dev = openDevice(backend);
  const ev = dev.createEvent();
  ev.close();
  for (
    const call of [
      () => ev.set(),
      () => ev.reset(),
      () => ev.pulse(),
      () => ev.read(),
    ]
  ) {
    assert.throws(call, { name: "TypeError", message: /the event is closed/ });
  }
});
