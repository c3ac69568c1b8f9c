import assert from "node:assert/strict";
import { NtsyncError } from "../errors.ts";
import { NTSYNC_IOC_SEM_READ } from "../../uapi/ioctl.ts";
import { openDevice } from "./device.ts";
import { Semaphore } from "./semaphore.ts";
import { testEachBackend } from "./_test_helpers.ts";

testEachBackend(
  "semaphore: create, read, release returns the previous count",
  (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(1, 5);
    assert.ok(sem instanceof Semaphore);
    assert.equal(sem.kind, "semaphore");
    assert.equal(sem.device, dev);
    assert.equal(sem.owned, true);
    assert.deepEqual(sem.read(), { count: 1, max: 5 });
    assert.equal(sem.release(), 1); // default amount 1
    assert.equal(sem.release(2), 2);
    assert.equal(sem.release(0), 4); // a no-op that reports the count
    assert.deepEqual(sem.read(), { count: 4, max: 5 });
  },
);

testEachBackend(
  "semaphore: overflow is EOVERFLOW and changes nothing",
  (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(1, 2);
    assert.throws(
      () => sem.release(2),
      (err) => NtsyncError.is(err, "EOVERFLOW"),
    );
    assert.throws(
      () => sem.release(0xFFFF_FFFF),
      (err) => NtsyncError.is(err, "EOVERFLOW"),
    );
    assert.deepEqual(sem.read(), { count: 1, max: 2 });
    // The message gives the numbers; errno and code stay as the kernel's.
    assert.throws(() => sem.release(5), {
      name: "NtsyncError",
      errno: 75,
      code: "EOVERFLOW",
      message: "release(5): EOVERFLOW: count 1 + 5 exceeds max 2 (errno 75)",
    });
    assert.deepEqual(sem.read(), { count: 1, max: 2 });
    using full = dev.createSemaphore(0xFFFF_FFFF, 0xFFFF_FFFF);
    assert.deepEqual(full.read(), { count: 0xFFFF_FFFF, max: 0xFFFF_FFFF });
  },
);

testEachBackend("semaphore: bad amounts name the argument", (backend) => {
  using dev = openDevice(backend);
  using sem = dev.createSemaphore(0, 10);
  assert.throws(() => sem.release(-1), {
    name: "RangeError",
    message: "release: amount must be an integer in [0, 4294967295], got -1",
  });
  assert.throws(() => sem.release(NaN), {
    name: "RangeError",
    message: /release: amount .* got NaN/,
  });
  assert.throws(() => sem.release(2 ** 32), {
    name: "RangeError",
    message: /release: amount .* got 4294967296/,
  });
  assert.throws(() => sem.release(Infinity), { name: "RangeError" });
  assert.throws(() => sem.release(1.5), {
    name: "TypeError",
    message: /release: amount .* got 1\.5/,
  });
  assert.throws(() => sem.release("1" as unknown as number), {
    name: "TypeError",
    message: /release: amount .* got "1"/,
  });
  assert.deepEqual(sem.read(), { count: 0, max: 10 });
});

testEachBackend("semaphore: createSemaphore checks its counts", (backend) => {
  using dev = openDevice(backend);
  assert.throws(() => dev.createSemaphore(3, 2), {
    name: "RangeError",
    message: "createSemaphore: initial (3) must not exceed max (2)",
  });
  assert.throws(() => dev.createSemaphore(-1, 2), {
    name: "RangeError",
    message: /createSemaphore: initial must be an integer/,
  });
  assert.throws(() => dev.createSemaphore(0, 2 ** 32), {
    name: "RangeError",
    message: /createSemaphore: max must be an integer/,
  });
  assert.throws(() => dev.createSemaphore(0.5, 1), {
    name: "TypeError",
    message: /createSemaphore: initial/,
  });
  using never = dev.createSemaphore(0, 0); // legal: never signaled
  assert.equal(never.release(0), 0);
});

testEachBackend(
  "semaphore: `using` closes the fd; a closed handle throws TypeError",
  (backend) => {
    using dev = openDevice(backend);
    let fd: number;
    let handle: Semaphore;
    {
      using sem = dev.createSemaphore(0, 1);
      fd = sem.fd;
      handle = sem;
    }
    assert.equal(handle.closed, true);
    assert.throws(
      () =>
        backend.ioctl(
          fd,
          NTSYNC_IOC_SEM_READ,
          new DataView(new ArrayBuffer(8)),
        ),
      NtsyncError,
    );
    assert.throws(() => handle.release(), {
      name: "TypeError",
      message: "release: the semaphore is closed",
    });
    assert.throws(() => handle.read(), {
      name: "TypeError",
      message: "read: the semaphore is closed",
    });
    handle.close(); // a second close does nothing
  },
);

Deno.test("semaphore: handles are only made by a device", () => {
  assert.throws(
    () =>
      new (Semaphore as unknown as new (...a: unknown[]) => Semaphore)(
        Symbol(),
        {},
        3,
        true,
        new Set(),
      ),
    { name: "TypeError", message: /made by a Device/ },
  );
});
