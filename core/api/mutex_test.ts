import assert from "node:assert/strict";
import { NtsyncError } from "../errors.ts";
import { openDevice } from "./device.ts";
import { Mutex } from "./mutex.ts";
import { testEachBackend } from "./_test_helpers.ts";

testEachBackend(
  "mutex: unowned by default, owned with count 1 or as given",
  (backend) => {
    using dev = openDevice(backend);
    using free = dev.createMutex();
    assert.ok(free instanceof Mutex);
    assert.equal(free.kind, "mutex");
    assert.deepEqual(free.read(), { owner: 0, count: 0, abandoned: false });
    using mine = dev.createMutex(42);
    assert.deepEqual(mine.read(), { owner: 42, count: 1, abandoned: false });
    using deep = dev.createMutex(42, 0xFFFF_FFFF);
    assert.deepEqual(deep.read(), {
      owner: 42,
      count: 0xFFFF_FFFF,
      abandoned: false,
    });
  },
);

testEachBackend(
  "mutex: unlock returns the previous count and frees at 1",
  (backend) => {
    using dev = openDevice(backend);
    using m = dev.createMutex(7, 2);
    assert.equal(m.unlock(7), 2);
    assert.deepEqual(m.read(), { owner: 7, count: 1, abandoned: false });
    assert.equal(m.unlock(7), 1);
    assert.deepEqual(m.read(), { owner: 0, count: 0, abandoned: false });
    // not the owner (nobody owns it now): EPERM, as the kernel says
    assert.throws(() => m.unlock(7), (err) => NtsyncError.is(err, "EPERM"));
  },
);

testEachBackend(
  "mutex: unlock/kill by a non-owner is EPERM and changes nothing",
  (backend) => {
    using dev = openDevice(backend);
    using m = dev.createMutex(7);
    assert.throws(() => m.unlock(8), (err) => NtsyncError.is(err, "EPERM"));
    assert.throws(() => m.kill(8), (err) => NtsyncError.is(err, "EPERM"));
    assert.deepEqual(m.read(), { owner: 7, count: 1, abandoned: false });
  },
);

testEachBackend(
  "mutex: kill abandons; the next acquirer sees 'abandoned'",
  (backend) => {
    using dev = openDevice(backend);
    using m = dev.createMutex(7, 3);
    m.kill(7);
    assert.deepEqual(m.read(), { owner: 0, count: 0, abandoned: true });
    assert.deepEqual(m.read(), { owner: 0, count: 0, abandoned: true }); // reading keeps it
    assert.deepEqual(dev.waitAny([m], { owner: 9, timeout: 0 }), {
      status: "abandoned",
      index: 0,
    });
    assert.deepEqual(m.read(), { owner: 9, count: 1, abandoned: false });
    // acquired once more: a plain success now
    assert.deepEqual(dev.waitAny([m], { owner: 9, timeout: 0 }), {
      status: "signaled",
      index: 0,
    });
    assert.equal(m.unlock(9), 2);
  },
);

testEachBackend("mutex: bad owners and counts name the argument", (backend) => {
  using dev = openDevice(backend);
  using m = dev.createMutex(5);
  assert.throws(() => m.unlock(0), {
    name: "RangeError",
    message: "unlock: owner must be an integer in [1, 4294967295], got 0",
  });
  assert.throws(() => m.kill(-3), {
    name: "RangeError",
    message: "kill: owner must be an integer in [1, 4294967295], got -3",
  });
  assert.throws(() => m.unlock(null as unknown as number), {
    name: "TypeError",
    message: /unlock: owner .* got null/,
  });
  assert.throws(() => dev.createMutex(0, 5), {
    name: "RangeError",
    message: /createMutex: count must be 0 for an unowned mutex/,
  });
  assert.throws(() => dev.createMutex(5, 0), {
    name: "RangeError",
    message: /createMutex: count must be at least 1 for a mutex owned by 5/,
  });
  assert.throws(() => dev.createMutex(2 ** 32), {
    name: "RangeError",
    message: /createMutex: owner must be an integer/,
  });
  assert.throws(() => dev.createMutex(1, 1.25), {
    name: "TypeError",
    message: /createMutex: count/,
  });
  assert.deepEqual(m.read(), { owner: 5, count: 1, abandoned: false });
});

testEachBackend("mutex: closed handles throw TypeError", (backend) => {
  using dev = openDevice(backend);
  const m = dev.createMutex(1);
  m[Symbol.dispose]();
  assert.equal(m.closed, true);
  for (const call of [() => m.unlock(1), () => m.kill(1), () => m.read()]) {
    assert.throws(call, { name: "TypeError", message: /the mutex is closed/ });
  }
});
