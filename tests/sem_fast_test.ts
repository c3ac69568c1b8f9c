/**
 * Semaphores released and taken the common way: SEM_RELEASE, and a wait on
 * the one semaphore. The emulated engine answers those without the device
 * lock while the count is small and nobody waits (core/emulated/fast_sem.ts),
 * keeping the count in a different place meanwhile; every other call must
 * still see what the kernel shows: the count read back, EOVERFLOW at the
 * maximum, counts past what the lock-free form holds, releases to queued
 * waiters, wait-all over it, and other instances' waits.
 *
 * @module
 */

import assert from "node:assert/strict";
import { backendsUnderTest } from "./_backends.ts";
import { NTSYNC_IOC_EVENT_SET, NTSYNC_IOC_SEM_RELEASE } from "../uapi/ioctl.ts";
import { WaitArgs } from "../uapi/structs.ts";
import { NtsyncError } from "../mod.ts";
import {
  createEvent,
  createMutex,
  createSem,
  fdOf,
  readSem,
  releaseSem,
  waitObjs,
  wordIoctl,
} from "./_tuples.ts";
import { queuedWait } from "./_blocked.ts";

for (const nt of backendsUnderTest()) {
  const name = (s: string) => `semaphore release/take: ${nt.kind}: ${s}`;
  const take = (dev: number, s: number) => waitObjs(nt, dev, false, [s], 1);

  Deno.test(name("counts read back; EOVERFLOW at max changes nothing"), () => {
    const dev = nt.open();
    const s = fdOf(createSem(nt, dev, 0, 3));
    try {
      for (let round = 0; round < 3; round++) {
        assert.deepEqual(take(dev, s), ["ETIMEDOUT", 0xdeadbeef]);
        assert.deepEqual(releaseSem(nt, s, 1), [0, 0]);
        assert.deepEqual(readSem(nt, s), [0, 1, 3]);
        assert.deepEqual(releaseSem(nt, s, 2), [0, 1]);
        assert.deepEqual(readSem(nt, s), [0, 3, 3]);
        assert.deepEqual(releaseSem(nt, s, 1), ["EOVERFLOW", 1]);
        assert.deepEqual(releaseSem(nt, s, 0), [0, 3]);
        assert.deepEqual(take(dev, s), [0, 0]);
        assert.deepEqual(readSem(nt, s), [0, 2, 3]);
        assert.deepEqual(releaseSem(nt, s, 2), ["EOVERFLOW", 2]);
        assert.deepEqual(take(dev, s), [0, 0]);
        assert.deepEqual(take(dev, s), [0, 0]);
        assert.deepEqual(readSem(nt, s), [0, 0, 3]);
      }
      // SEM_RELEASE names a semaphore; a sum that wraps u32 is EOVERFLOW.
      const m = fdOf(createMutex(nt, dev, 0, 0));
      assert.deepEqual(releaseSem(nt, m, 1), ["EINVAL", 1]);
      nt.close(m);
      assert.deepEqual(releaseSem(nt, s, 1), [0, 0]);
      assert.deepEqual(releaseSem(nt, s, 0xffff_ffff), [
        "EOVERFLOW",
        0xffff_ffff,
      ]);
      assert.deepEqual(readSem(nt, s), [0, 1, 3]);
    } finally {
      nt.close(s);
      nt.close(dev);
    }
  });

  Deno.test(name("counts past a thousand, and back down"), () => {
    const dev = nt.open();
    const s = fdOf(createSem(nt, dev, 1000, 5000));
    try {
      assert.deepEqual(releaseSem(nt, s, 23), [0, 1000]);
      assert.deepEqual(releaseSem(nt, s, 1), [0, 1023]);
      assert.deepEqual(readSem(nt, s), [0, 1024, 5000]);
      assert.deepEqual(releaseSem(nt, s, 2000), [0, 1024]);
      for (let i = 0; i < 3024; i++) {
        assert.deepEqual(take(dev, s), [0, 0], `take ${i}`);
      }
      assert.deepEqual(take(dev, s), ["ETIMEDOUT", 0xdeadbeef]);
      assert.deepEqual(readSem(nt, s), [0, 0, 5000]);
      assert.deepEqual(releaseSem(nt, s, 5000), [0, 0]);
      assert.deepEqual(releaseSem(nt, s, 1), ["EOVERFLOW", 1]);
      assert.deepEqual(readSem(nt, s), [0, 5000, 5000]);
    } finally {
      nt.close(s);
      nt.close(dev);
    }
  });

  Deno.test(name("another instance's wait is EINVAL and takes nothing"), () => {
    const dev = nt.open(), other = nt.open();
    const s = fdOf(createSem(nt, dev, 0, 2));
    try {
      assert.deepEqual(releaseSem(nt, s, 1), [0, 0]);
      assert.deepEqual(take(dev, s), [0, 0]);
      assert.deepEqual(releaseSem(nt, s, 2), [0, 0]);
      assert.deepEqual(take(other, s), ["EINVAL", 0xdeadbeef]);
      assert.deepEqual(readSem(nt, s), [0, 2, 2]);
    } finally {
      nt.close(s);
      nt.close(other);
      nt.close(dev);
    }
  });

  Deno.test(name("WAIT_ALL over a semaphore in use the common way"), () => {
    const dev = nt.open();
    const s = fdOf(createSem(nt, dev, 0, 2));
    const e = fdOf(createEvent(nt, dev, 1, 0));
    try {
      assert.deepEqual(releaseSem(nt, s, 1), [0, 0]);
      assert.deepEqual(take(dev, s), [0, 0]);
      assert.deepEqual(releaseSem(nt, s, 1), [0, 0]);
      assert.deepEqual(waitObjs(nt, dev, true, [s, e], 1), [
        "ETIMEDOUT",
        0xdeadbeef,
      ]);
      assert.deepEqual(readSem(nt, s), [0, 1, 2]);
      assert.deepEqual(wordIoctl(nt, e, NTSYNC_IOC_EVENT_SET), [0, 0]);
      assert.deepEqual(waitObjs(nt, dev, true, [e, s], 1), [0, 0]);
      assert.deepEqual(readSem(nt, s), [0, 0, 2]);
    } finally {
      for (const fd of [e, s, dev]) nt.close(fd);
    }
  });

  for (const all of [false, true]) {
    const kind = all ? "WAIT_ALL" : "WAIT_ANY";
    Deno.test(name(`the release goes to a queued ${kind}`), async () => {
      const dev = nt.open();
      const s = fdOf(createSem(nt, dev, 0, 2));
      const e = fdOf(createEvent(nt, dev, 1, 1));
      try {
        assert.deepEqual(releaseSem(nt, s, 1), [0, 0]);
        assert.deepEqual(take(dev, s), [0, 0]);
        const { waiting, args, objs } = await queuedWait(
          nt,
          dev,
          all ? [e, s] : [s],
          6,
          all,
        );
        assert.deepEqual(readSem(nt, s), [0, 0, 2]);
        assert.deepEqual(releaseSem(nt, s, 2), [0, 0]);
        assert.equal(await waiting, 0);
        assert.equal(WaitArgs.read(args).index, 0);
        assert.deepEqual(readSem(nt, s), [0, 1, 2], "one unit went to it");
        assert.deepEqual(take(dev, s), [0, 0]);
        assert.deepEqual(take(dev, s), ["ETIMEDOUT", 0xdeadbeef]);
        objs[0] = s; // keep the array alive until here
      } finally {
        for (const fd of [e, s, dev]) nt.close(fd);
      }
    });
  }

  Deno.test(
    name("a release of a pointer too short is EFAULT and changes nothing"),
    () => {
      const dev = nt.open();
      const s = fdOf(createSem(nt, dev, 0, 2));
      try {
        assert.deepEqual(releaseSem(nt, s, 1), [0, 0]);
        assert.deepEqual(take(dev, s), [0, 0]);
        assert.throws(
          () => nt.ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint8Array(2)),
          (e: unknown) => e instanceof NtsyncError && e.code === "EFAULT",
        );
        assert.deepEqual(readSem(nt, s), [0, 0, 2]);
      } finally {
        nt.close(s);
        nt.close(dev);
      }
    },
  );
}
