import assert from "node:assert/strict";
import { EmulatedBackend } from "../../core/emulated/backend.ts";
import { NTSYNC_IOC_WAIT_ALL, NTSYNC_IOC_WAIT_ANY } from "../../mod.ts";
import { event, sem, semState, throwsErrno } from "./_util.ts";
import { deadline, FOREVER, waitArgs } from "../../conformance/ops.ts";

Deno.test("engine: fds are the lowest free ones, from 3", () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  assert.equal(dev, 3);
  const a = sem(nt, dev, 0, 1), b = sem(nt, dev, 0, 1);
  assert.deepEqual([a, b], [4, 5]);
  nt.close(a);
  assert.equal(sem(nt, dev, 0, 1), 4);
  nt.close(4);
  nt.close(b);
  nt.close(dev);
  assert.deepEqual(nt.census(), { waits: 0, objects: 0, instances: 0 });
});

Deno.test("engine: a full fd table is EMFILE and leaves no object behind", () => {
  const nt = EmulatedBackend.create({ maxFds: 6 });
  const dev = nt.open(); // 3
  sem(nt, dev, 0, 1); // 4
  sem(nt, dev, 0, 1); // 5
  throwsErrno(() => sem(nt, dev, 0, 1), "EMFILE");
  throwsErrno(() => nt.open(), "EMFILE");
  assert.equal(nt.census().objects, 2);
  nt.close(5);
  assert.equal(event(nt, dev, true, false), 5);
});

Deno.test("engine: a full object table is ENOMEM", () => {
  const nt = EmulatedBackend.create({ maxObjects: 4 });
  const dev = nt.open();
  for (let i = 0; i < 4; i++) sem(nt, dev, 0, 1);
  throwsErrno(() => sem(nt, dev, 0, 1), "ENOMEM");
  nt.close(4);
  assert.equal(sem(nt, dev, 0, 1), 4);
});

Deno.test("engine: with every wait slot taken, only a wait that must sleep is ENOMEM", async () => {
  const nt = EmulatedBackend.create({ maxWaits: 4 });
  const dev = nt.open();
  const empty = sem(nt, dev, 0, 10), full = sem(nt, dev, 1, 1);
  const ac = new AbortController();
  const pending = Array.from({ length: 4 }, () => {
    const { args } = waitArgs(nt, [empty], { timeout: FOREVER });
    return nt.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, args, { signal: ac.signal })
      .catch((e) => e);
  });
  assert.equal(nt.census().waits, 4);
  // The kernel has no limit on waits: what needs no record never fails.
  throwsErrno(
    () => nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, waitArgs(nt, [empty]).args),
    "ETIMEDOUT",
  );
  const ev = event(nt, dev, false, false);
  throwsErrno(
    () => nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, waitArgs(nt, [ev]).args),
    "ETIMEDOUT",
  );
  throwsErrno(
    () => nt.ioctl(dev, NTSYNC_IOC_WAIT_ALL, waitArgs(nt, [empty, ev]).args),
    "ETIMEDOUT",
  );
  nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, waitArgs(nt, [full]).args);
  assert.equal(semState(nt, full).count, 0);
  // Only a wait that would have to sleep needs a record.
  throwsErrno(
    () =>
      nt.ioctl(
        dev,
        NTSYNC_IOC_WAIT_ANY,
        waitArgs(nt, [full], { timeout: deadline(nt, 50) }).args,
      ),
    "ENOMEM",
  );
  ac.abort(new Error("done"));
  for (const p of await Promise.all(pending)) {
    assert.equal((p as Error).message, "done");
  }
  assert.equal(nt.census().waits, 0);
});

Deno.test("engine: closing the device keeps objects and the instance alive", () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const s = sem(nt, dev, 1, 1);
  nt.close(dev);
  assert.deepEqual(nt.census(), { waits: 0, objects: 1, instances: 1 });
  assert.deepEqual(semState(nt, s), { count: 1, max: 1 });
  nt.close(s);
  assert.deepEqual(nt.census(), { waits: 0, objects: 0, instances: 0 });
});

Deno.test("engine: close of a bad fd is EBADF; fds 0..2 are never ntsync", () => {
  const nt = EmulatedBackend.create();
  throwsErrno(() => nt.close(3), "EBADF");
  throwsErrno(() => nt.close(1), "EBADF");
  throwsErrno(() => nt.close(-1), "EBADF");
  throwsErrno(() => nt.close(1.5), "EBADF");
  throwsErrno(() => nt.ioctl(1, 0, null), "ENOTTY");
  throwsErrno(() => nt.ioctl(99, 0, null), "EBADF");
});

Deno.test("engine: create() rejects silly capacities", () => {
  assert.throws(() => EmulatedBackend.create({ maxFds: 2 }), RangeError);
  assert.throws(() => EmulatedBackend.create({ maxWaits: 1.5 }), RangeError);
});
