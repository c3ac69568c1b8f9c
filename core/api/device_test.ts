import assert from "node:assert/strict";
import { NtsyncError } from "../errors.ts";
import {
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_SEM_READ,
} from "../../uapi/ioctl.ts";
import { SemArgs } from "../../uapi/structs.ts";
import { attachDevice, Device, openDevice } from "./device.ts";
import {
  LONG_MS,
  testEachBackend,
  untilBlocked,
  waitInWorker,
} from "./_test_helpers.ts";

const semRead = new DataView(new ArrayBuffer(8));

testEachBackend(
  "openDevice: by Backend or by choice; each call a new instance",
  (backend) => {
    using a = openDevice(backend);
    using b = openDevice(backend.kind);
    assert.ok(a instanceof Device);
    assert.equal(a.backend, backend);
    assert.equal(b.backend.kind, backend.kind);
    assert.notEqual(a.fd, b.fd);
    assert.equal(a.owned, true);
    assert.equal(typeof a.now(), "bigint");
    // the backend's realtime clock is the wall clock
    const skewMs = Number(a.now("realtime") / 1_000_000n) - Date.now();
    assert.ok(Math.abs(skewMs) < 5000, `realtime is ${skewMs} ms off`);
    assert.throws(() => a.now("tai" as never), {
      name: "TypeError",
      message: /now: clock must be "monotonic" or "realtime", got "tai"/,
    });
  },
);

Deno.test("openDevice: a bad backend argument is a TypeError", () => {
  assert.throws(() => openDevice("bogus" as never), {
    name: "TypeError",
    message: /bogus/,
  });
  assert.throws(() => openDevice({} as never), {
    name: "TypeError",
    message: /openDevice: backend must be a Backend/,
  });
  assert.throws(() => new Device(Symbol(), {} as never, 3, true), {
    name: "TypeError",
    message: /openDevice\(\) or attachDevice/,
  });
  assert.throws(() => attachDevice({ fd: 3 } as never), {
    name: "TypeError",
    message: /attachDevice: token must be what device.share\(\) returned/,
  });
});

testEachBackend(
  "adopt: semaphore(fd)/mutex(fd)/event(fd) give borrowed handles",
  (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(0, 3);
    using m = dev.createMutex(4);
    using ev = dev.createEvent({ manual: true });
    {
      using s2 = dev.semaphore(sem.fd);
      using m2 = dev.mutex(m.fd);
      using e2 = dev.event(ev.fd);
      assert.equal(s2.owned, false);
      assert.equal(s2.release(), 0);
      assert.equal(m2.unlock(4), 1);
      assert.equal(e2.set(), false);
    }
    // the borrowed handles are gone, the objects are not
    assert.deepEqual(sem.read(), { count: 1, max: 3 });
    assert.deepEqual(m.read(), { owner: 0, count: 0, abandoned: false });
    assert.deepEqual(ev.read(), { manual: true, signaled: true });
    // an abandoned mutex is still a mutex
    using m3 = dev.createMutex(9);
    m3.kill(9);
    using m4 = dev.mutex(m3.fd);
    assert.deepEqual(m4.read(), { owner: 0, count: 0, abandoned: true });
  },
);

testEachBackend(
  "adopt: wrong type, another device, not an fd are TypeErrors",
  (backend) => {
    using dev = openDevice(backend);
    using other = openDevice(backend);
    using sem = dev.createSemaphore(0, 1);
    using foreign = other.createEvent({ signaled: true });
    assert.throws(() => dev.mutex(sem.fd), {
      name: "TypeError",
      message: `mutex: fd ${sem.fd} is not a mutex (EINVAL)`,
    });
    assert.throws(() => dev.event(sem.fd), {
      name: "TypeError",
      message: `event: fd ${sem.fd} is not an event (EINVAL)`,
    });
    assert.throws(() => dev.event(foreign.fd), {
      name: "TypeError",
      message: `event: fd ${foreign.fd} is an event of another device`,
    });
    assert.deepEqual(foreign.read(), { manual: false, signaled: true }); // the probe took nothing
    assert.throws(() => dev.semaphore(dev.fd), {
      name: "TypeError",
      message: /is not a semaphore/,
    });
    assert.throws(() => dev.semaphore(-1), {
      name: "TypeError",
      message: /fd must be a non-negative integer/,
    });
    assert.throws(() => dev.semaphore(1.5), { name: "TypeError" });
  },
);

testEachBackend(
  "share: an attached device reaches the same objects; closing it closes nothing shared",
  (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(0, 2);
    const token = structuredClone(dev.share());
    {
      using there = attachDevice(token);
      assert.equal(there.owned, false);
      assert.equal(there.fd, dev.fd);
      const s = there.semaphore(sem.fd);
      assert.equal(s.release(), 0);
      using own = there.createEvent(); // made there: closed with it
      assert.equal(own.owned, true);
    }
    assert.deepEqual(sem.read(), { count: 1, max: 2 });
    assert.deepEqual(dev.waitAny([sem], { timeout: 0 }), {
      status: "signaled",
      index: 0,
    });
  },
);

testEachBackend(
  "device.close closes what it created and lets go of what it adopted",
  (backend) => {
    const dev = openDevice(backend);
    const sem = dev.createSemaphore(0, 1);
    const borrowed = dev.semaphore(sem.fd);
    const fd = sem.fd;
    dev.close();
    assert.equal(sem.closed, true);
    assert.equal(borrowed.closed, true);
    assert.throws(
      () => backend.ioctl(fd, NTSYNC_IOC_SEM_READ, semRead),
      NtsyncError,
    );
    // and the device fd itself is closed: creating on it fails
    const args = SemArgs.alloc({ count: 0, max: 1 });
    assert.throws(
      () => backend.ioctl(dev.fd, NTSYNC_IOC_CREATE_SEM, args),
      NtsyncError,
    );
  },
);

testEachBackend(
  "worker: a blocked waitAll acquires both mutexes when the holder lets go",
  async (backend) => {
    using dev = openDevice(backend);
    using left = dev.createMutex(1);
    using right = dev.createMutex();
    using worker = waitInWorker(dev, "all", [left, right], {
      owner: 2,
      timeout: LONG_MS,
    }, [0, 1]);
    await worker.started;
    await untilBlocked(dev);
    assert.deepEqual(right.read(), { owner: 0, count: 0, abandoned: false }); // not taken alone
    left.unlock(1);
    const reply = await worker.done;
    assert.deepEqual(reply.result, { status: "signaled", index: 0 });
    // the worker unlocked both after its wait
    assert.deepEqual(left.read(), { owner: 0, count: 0, abandoned: false });
    assert.deepEqual(right.read(), { owner: 0, count: 0, abandoned: false });
  },
);

testEachBackend(
  "worker: a blocked waitAny is woken by a release",
  async (backend) => {
    using dev = openDevice(backend);
    using ev = dev.createEvent();
    using sem = dev.createSemaphore(0, 1);
    using worker = waitInWorker(dev, "any", [ev, sem], { timeout: LONG_MS });
    await worker.started;
    await untilBlocked(dev);
    sem.release();
    assert.deepEqual((await worker.done).result, {
      status: "signaled",
      index: 1,
    });
    assert.deepEqual(sem.read(), { count: 0, max: 1 });
  },
);

testEachBackend(
  "worker: alerted, abandoned and timeout from a blocked wait",
  async (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(0, 1);
    using alert = dev.createEvent();
    using m = dev.createMutex(1);
    {
      using worker = waitInWorker(dev, "all", [sem], {
        alert,
        timeout: LONG_MS,
      });
      await worker.started;
      await untilBlocked(dev);
      alert.set();
      assert.deepEqual((await worker.done).result, {
        status: "alerted",
        index: 1,
      });
      assert.deepEqual(alert.read(), { manual: false, signaled: false });
    }
    {
      using worker = waitInWorker(dev, "any", [sem, m], {
        owner: 2,
        timeout: LONG_MS,
      });
      await worker.started;
      await untilBlocked(dev);
      m.kill(1);
      assert.deepEqual((await worker.done).result, {
        status: "abandoned",
        index: 1,
      });
      assert.deepEqual(m.read(), { owner: 2, count: 1, abandoned: false });
    }
    {
      using worker = waitInWorker(dev, "any", [sem], { timeout: 50 });
      const reply = await worker.done;
      assert.deepEqual(reply.result, { status: "timeout" });
      assert.ok(
        reply.elapsedMs! >= 49,
        `timed out after ${reply.elapsedMs} ms`,
      );
    }
  },
);

testEachBackend(
  "worker: misuse in a Worker throws there with the argument named",
  async (backend) => {
    using dev = openDevice(backend);
    using m = dev.createMutex();
    using worker = waitInWorker(dev, "any", [m], { owner: 0 });
    assert.equal(
      (await worker.done).error,
      "RangeError: waitAny: options.owner must be an integer in [1, 4294967295], got 0",
    );
  },
);
