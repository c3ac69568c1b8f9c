/**
 * Events through an fd the thread used before: the emulated engine answers
 * those without the device lock, from what it checked the last time
 * (core/emulated/fast.ts). Whatever happened to the fd or the event since,
 * a closed and reused fd, another object in the slot, a waiter that queued
 * meanwhile, a wait from another instance, each backend must answer as the
 * kernel does.
 *
 * @module
 */

import assert from "node:assert/strict";
import { backendsUnderTest } from "./_backends.ts";
import {
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_SET,
} from "../uapi/ioctl.ts";
import { WaitArgs } from "../uapi/structs.ts";
import {
  createEvent,
  createSem,
  fdOf,
  readEvent,
  readSem,
  waitObjs,
  wordIoctl,
} from "./_tuples.ts";
import { queuedWait } from "./_blocked.ts";

for (const nt of backendsUnderTest()) {
  // The emulated engine hands out the lowest free fd; a real process may
  // have opened something else meanwhile, so only check reuse there.
  const reuses = nt.kind === "emulated";

  Deno.test(`event fd reuse: ${nt.kind}: a closed and reused fd names the new object`, () => {
    const dev = nt.open();
    try {
      const fd = fdOf(createEvent(nt, dev, 0, 0));
      // Used once, so the fd is known to name an auto-reset event.
      assert.deepEqual(wordIoctl(nt, fd, NTSYNC_IOC_EVENT_SET), [0, 0]);
      assert.deepEqual(waitObjs(nt, dev, false, [fd], 1), [0, 0]);
      nt.close(fd);
      assert.deepEqual(wordIoctl(nt, fd, NTSYNC_IOC_EVENT_SET), [
        "EBADF",
        0xdeadbeef,
      ]);

      // A manual-reset event, signaled, in the same fd (and object slot).
      const manual = fdOf(createEvent(nt, dev, 1, 1));
      if (reuses) assert.equal(manual, fd);
      assert.deepEqual(readEvent(nt, manual), [0, 1, 1]);
      assert.deepEqual(waitObjs(nt, dev, false, [manual], 1), [0, 0]);
      assert.deepEqual(
        readEvent(nt, manual),
        [0, 1, 1],
        "manual: still signaled",
      );
      assert.deepEqual(wordIoctl(nt, manual, NTSYNC_IOC_EVENT_RESET), [0, 1]);
      nt.close(manual);

      // A semaphore there now: event ioctls are EINVAL, waits take the sem.
      const sem = fdOf(createSem(nt, dev, 1, 2));
      if (reuses) assert.equal(sem, fd);
      assert.deepEqual(wordIoctl(nt, sem, NTSYNC_IOC_EVENT_SET), [
        "EINVAL",
        0xdeadbeef,
      ]);
      assert.deepEqual(wordIoctl(nt, sem, NTSYNC_IOC_EVENT_PULSE), [
        "EINVAL",
        0xdeadbeef,
      ]);
      assert.deepEqual(waitObjs(nt, dev, false, [sem], 1), [0, 0]);
      assert.deepEqual(readSem(nt, sem), [0, 0, 2]);
      assert.deepEqual(waitObjs(nt, dev, false, [sem], 1), [
        "ETIMEDOUT",
        0xdeadbeef,
      ]);
      nt.close(sem);
    } finally {
      nt.close(dev);
    }
  });

  Deno.test(`event fd reuse: ${nt.kind}: a waiter that queued since is woken by the next set`, async () => {
    const dev = nt.open();
    const fd = fdOf(createEvent(nt, dev, 0, 0));
    try {
      assert.deepEqual(wordIoctl(nt, fd, NTSYNC_IOC_EVENT_SET), [0, 0]);
      assert.deepEqual(waitObjs(nt, dev, false, [fd], 1), [0, 0]);
      // The set must meet a queued waiter, not one still on its way (which
      // would find the event signaled and pass without testing the wake).
      const { waiting, args, objs } = await queuedWait(nt, dev, [fd], 1);
      assert.deepEqual(wordIoctl(nt, fd, NTSYNC_IOC_EVENT_SET), [0, 0]);
      assert.equal(await waiting, 0);
      assert.equal(WaitArgs.read(args).index, 0);
      assert.deepEqual(readEvent(nt, fd), [0, 0, 0], "the waiter took it");
      objs[0] = fd; // keep the array alive until here
    } finally {
      nt.close(fd);
      nt.close(dev);
    }
  });

  Deno.test(`event fd reuse: ${nt.kind}: another instance's event is EINVAL and stays signaled`, () => {
    const dev = nt.open(), other = nt.open();
    const fd = fdOf(createEvent(nt, dev, 0, 1));
    try {
      assert.deepEqual(waitObjs(nt, dev, false, [fd], 1), [0, 0]);
      assert.deepEqual(wordIoctl(nt, fd, NTSYNC_IOC_EVENT_SET), [0, 0]);
      assert.deepEqual(waitObjs(nt, other, false, [fd], 1), [
        "EINVAL",
        0xdeadbeef,
      ]);
      assert.deepEqual(readEvent(nt, fd), [0, 1, 0]);
    } finally {
      nt.close(fd);
      nt.close(other);
      nt.close(dev);
    }
  });
}
