/**
 * Mutexes locked and unlocked the common way: a wait on the one mutex,
 * then MUTEX_UNLOCK. The emulated engine answers those without the device
 * lock while the mutex is held once (core/emulated/fast_mutex.ts), keeping
 * its owner in a different form meanwhile; every other call on it must
 * still see what the kernel shows: the owner and count, recursion, EPERM,
 * kill and abandonment, waiters queued behind the holder, and owners by the
 * thousand.
 *
 * @module
 */

import assert from "node:assert/strict";
import { backendsUnderTest } from "./_backends.ts";
import { NTSYNC_IOC_MUTEX_KILL } from "../uapi/ioctl.ts";
import { WaitArgs } from "../uapi/structs.ts";
import {
  createEvent,
  createMutex,
  createSem,
  fdOf,
  readMutex,
  readSem,
  unlockMutex,
  waitObjs,
  wordIoctl,
} from "./_tuples.ts";
import { queuedWait } from "./_blocked.ts";

for (const nt of backendsUnderTest()) {
  const name = (s: string) => `mutex lock/unlock: ${nt.kind}: ${s}`;
  const lock = (dev: number, m: number, owner: number) =>
    waitObjs(nt, dev, false, [m], owner);

  Deno.test(name("owner and count read back; recursion; EPERM"), () => {
    const dev = nt.open();
    const m = fdOf(createMutex(nt, dev, 0, 0));
    try {
      for (let round = 0; round < 3; round++) {
        assert.deepEqual(lock(dev, m, 5), [0, 0]);
        assert.deepEqual(readMutex(nt, m), [0, 1, 5]);
        assert.deepEqual(lock(dev, m, 6), ["ETIMEDOUT", 0xdeadbeef]);
        assert.deepEqual(unlockMutex(nt, m, 6), ["EPERM", 0xdeadbeef]);
        // Recursion, and back down through held-once again.
        assert.deepEqual(lock(dev, m, 5), [0, 0]);
        assert.deepEqual(readMutex(nt, m), [0, 2, 5]);
        assert.deepEqual(unlockMutex(nt, m, 5), [0, 2]);
        assert.deepEqual(readMutex(nt, m), [0, 1, 5]);
        assert.deepEqual(unlockMutex(nt, m, 6), ["EPERM", 0xdeadbeef]);
        assert.deepEqual(unlockMutex(nt, m, 5), [0, 1]);
        assert.deepEqual(readMutex(nt, m), [0, 0, 0]);
        assert.deepEqual(unlockMutex(nt, m, 5), ["EPERM", 0xdeadbeef]);
        assert.deepEqual(unlockMutex(nt, m, 0), ["EINVAL", 0xdeadbeef]);
      }
      // Owners with the high bit set are owners like any other.
      const high = 0x8000_0001;
      assert.deepEqual(lock(dev, m, high), [0, 0]);
      assert.deepEqual(readMutex(nt, m), [0, 1, high]);
      assert.deepEqual(lock(dev, m, 1), ["ETIMEDOUT", 0xdeadbeef]);
      assert.deepEqual(unlockMutex(nt, m, high), [0, 1]);
      assert.deepEqual(readMutex(nt, m), [0, 0, 0]);
    } finally {
      nt.close(m);
      nt.close(dev);
    }
  });

  Deno.test(
    name("a held mutex is another instance's: EINVAL, still held"),
    () => {
      const dev = nt.open(), other = nt.open();
      const m = fdOf(createMutex(nt, dev, 0, 0));
      try {
        assert.deepEqual(lock(dev, m, 5), [0, 0]);
        assert.deepEqual(unlockMutex(nt, m, 5), [0, 1]);
        assert.deepEqual(lock(other, m, 5), ["EINVAL", 0xdeadbeef]);
        assert.deepEqual(readMutex(nt, m), [0, 0, 0]);
        assert.deepEqual(lock(dev, m, 5), [0, 0]);
        assert.deepEqual(lock(other, m, 5), ["EINVAL", 0xdeadbeef]);
        assert.deepEqual(readMutex(nt, m), [0, 1, 5]);
      } finally {
        nt.close(m);
        nt.close(other);
        nt.close(dev);
      }
    },
  );

  Deno.test(name("killed while held: the next owner gets it abandoned"), () => {
    const dev = nt.open();
    const m = fdOf(createMutex(nt, dev, 0, 0));
    try {
      assert.deepEqual(lock(dev, m, 5), [0, 0]);
      assert.deepEqual(unlockMutex(nt, m, 5), [0, 1]);
      assert.deepEqual(lock(dev, m, 5), [0, 0]);
      assert.deepEqual(wordIoctl(nt, m, NTSYNC_IOC_MUTEX_KILL, 6), [
        "EPERM",
        6,
      ]);
      assert.deepEqual(wordIoctl(nt, m, NTSYNC_IOC_MUTEX_KILL, 5), [0, 5]);
      assert.deepEqual(readMutex(nt, m), ["EOWNERDEAD", 0, 0]);
      assert.deepEqual(unlockMutex(nt, m, 5), ["EPERM", 0xdeadbeef]);
      assert.deepEqual(lock(dev, m, 6), ["EOWNERDEAD", 0]);
      assert.deepEqual(readMutex(nt, m), [0, 1, 6]);
      assert.deepEqual(unlockMutex(nt, m, 6), [0, 1]);
      assert.deepEqual(lock(dev, m, 6), [0, 0]);
      assert.deepEqual(unlockMutex(nt, m, 6), [0, 1]);
    } finally {
      nt.close(m);
      nt.close(dev);
    }
  });

  Deno.test(
    name(
      "WAIT_ALL with the mutex held once: its owner recurses, others time out",
    ),
    () => {
      const dev = nt.open();
      const m = fdOf(createMutex(nt, dev, 0, 0));
      const s = fdOf(createSem(nt, dev, 2, 2));
      try {
        assert.deepEqual(lock(dev, m, 5), [0, 0]);
        assert.deepEqual(waitObjs(nt, dev, true, [m, s], 6), [
          "ETIMEDOUT",
          0xdeadbeef,
        ]);
        assert.deepEqual(readSem(nt, s), [0, 2, 2]);
        assert.deepEqual(waitObjs(nt, dev, true, [s, m], 5), [0, 0]);
        assert.deepEqual(readMutex(nt, m), [0, 2, 5]);
        assert.deepEqual(readSem(nt, s), [0, 1, 2]);
        assert.deepEqual(unlockMutex(nt, m, 5), [0, 2]);
        assert.deepEqual(unlockMutex(nt, m, 5), [0, 1]);
        assert.deepEqual(waitObjs(nt, dev, true, [s, m], 6), [0, 0]);
        assert.deepEqual(readMutex(nt, m), [0, 1, 6]);
      } finally {
        for (const fd of [s, m, dev]) nt.close(fd);
      }
    },
  );

  for (const all of [false, true]) {
    const kind = all ? "WAIT_ALL" : "WAIT_ANY";
    Deno.test(
      name(`the unlock hands the mutex to a queued ${kind}`),
      async () => {
        const dev = nt.open();
        const m = fdOf(createMutex(nt, dev, 0, 0));
        const e = fdOf(createEvent(nt, dev, 1, 1));
        try {
          // Held once, the way its holder's unlock goes without the lock.
          assert.deepEqual(lock(dev, m, 5), [0, 0]);
          assert.deepEqual(unlockMutex(nt, m, 5), [0, 1]);
          assert.deepEqual(lock(dev, m, 5), [0, 0]);
          const { waiting, args, objs } = await queuedWait(
            nt,
            dev,
            all ? [e, m] : [m],
            6,
            all,
          );
          assert.deepEqual(readMutex(nt, m), [0, 1, 5]);
          assert.deepEqual(unlockMutex(nt, m, 5), [0, 1]);
          assert.equal(await waiting, 0);
          assert.equal(WaitArgs.read(args).index, 0);
          assert.deepEqual(readMutex(nt, m), [0, 1, 6]);
          assert.deepEqual(lock(dev, m, 5), ["ETIMEDOUT", 0xdeadbeef]);
          assert.deepEqual(unlockMutex(nt, m, 6), [0, 1]);
          assert.deepEqual(lock(dev, m, 5), [0, 0]);
          assert.deepEqual(unlockMutex(nt, m, 5), [0, 1]);
          objs[0] = m; // keep the array alive until here
        } finally {
          for (const fd of [e, m, dev]) nt.close(fd);
        }
      },
    );
  }

  Deno.test(
    name("two thousand owners in turn, each held once and read back"),
    () => {
      const dev = nt.open();
      const m = fdOf(createMutex(nt, dev, 0, 0));
      const other = fdOf(createMutex(nt, dev, 0, 0));
      try {
        for (let i = 0; i < 2_000; i++) {
          // Spread over the whole 32 bits, and some next to each other.
          const owner = i % 2 ? (Math.imul(i, 0x9e37_79b9) >>> 0) || 1 : i + 1;
          assert.deepEqual(lock(dev, m, owner), [0, 0], `owner ${owner}`);
          assert.deepEqual(lock(dev, other, owner), [0, 0]);
          assert.deepEqual(readMutex(nt, m), [0, 1, owner]);
          assert.deepEqual(unlockMutex(nt, m, (owner ^ 1) >>> 0 || 2), [
            "EPERM",
            0xdeadbeef,
          ]);
          assert.deepEqual(unlockMutex(nt, m, owner), [0, 1]);
          assert.deepEqual(unlockMutex(nt, other, owner), [0, 1]);
          assert.deepEqual(readMutex(nt, other), [0, 0, 0]);
        }
      } finally {
        for (const fd of [other, m, dev]) nt.close(fd);
      }
    },
  );
}
