import assert from "node:assert/strict";
import { openDevice } from "./device.ts";
import { Event } from "./event.ts";
import { delay, testEachBackend } from "./_test_helpers.ts";

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

testEachBackend(
  "event: pulse of a manual event wakes every pending waiter",
  async (backend) => {
    using dev = openDevice(backend);
    using ev = dev.createEvent({ manual: true });
    const a = dev.waitAnyAsync([ev], { timeout: 5000 });
    const b = dev.waitAnyAsync([ev], { timeout: 5000 });
    await delay(30);
    assert.equal(ev.pulse(), false);
    assert.deepEqual(await a, { status: "signaled", index: 0 });
    assert.deepEqual(await b, { status: "signaled", index: 0 });
    assert.deepEqual(ev.read(), { manual: true, signaled: false });
  },
);

testEachBackend(
  "event: pulse of an auto event wakes exactly one waiter",
  async (backend) => {
    using dev = openDevice(backend);
    using ev = dev.createEvent();
    const a = dev.waitAnyAsync([ev], { timeout: 5000 });
    const b = dev.waitAnyAsync([ev], { timeout: 300 });
    await delay(30);
    assert.equal(ev.pulse(), false);
    assert.deepEqual(await a, { status: "signaled", index: 0 }); // FIFO: the first
    assert.deepEqual(await b, { status: "timeout" });
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
