/**
 * The engine's lock-free semaphore paths (core/emulated/fast_sem.ts): that
 * they really skip the device lock, when they must not, and that what skips
 * it cannot outlive a reap. What callers see of them is tested on every
 * backend in tests/sem_fast_test.ts.
 *
 * @module
 */

import assert from "node:assert/strict";
import { EmulatedBackend } from "../../core/emulated/backend.ts";
import { NTSYNC_IOC_SEM_RELEASE, NTSYNC_IOC_WAIT_ANY } from "../../mod.ts";
import { assertWhole, countLocks, sem, semState } from "./_util.ts";
import { waitArgs } from "../../conformance/ops.ts";

Deno.test("fast semaphore: a release and a take with nobody waiting take no device lock", () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const s = sem(nt, dev, 0, 2);
  const w = waitArgs(nt, [s], { owner: 1 });
  const one = new Uint32Array([1]);
  try {
    // Created with its count where the locked code keeps it: the first
    // call moves it to the lock-free form.
    assert.equal(nt.tryIoctl(s, NTSYNC_IOC_SEM_RELEASE, one), 0);
    assert.equal(
      countLocks(() => {
        for (let i = 0; i < 100; i++) {
          assert.equal(nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, w.args), 0);
          one[0] = 1;
          assert.equal(nt.tryIoctl(s, NTSYNC_IOC_SEM_RELEASE, one), 0);
          assert.equal(one[0], 0);
        }
        // A poll that finds no unit answers without it too.
        assert.equal(nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, w.args), 0);
        assert.equal(nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, w.args), -110);
      }),
      0,
    );
    // An overflow is the locked path's to report, with the count it saw.
    one[0] = 3;
    assert.equal(
      countLocks(() =>
        assert.equal(nt.tryIoctl(s, NTSYNC_IOC_SEM_RELEASE, one), -75)
      ),
      1,
    );
    assert.deepEqual(semState(nt, s), { count: 0, max: 2 });
    assertWhole(nt);
  } finally {
    nt.close(s);
    nt.close(dev);
  }
});

Deno.test("fast semaphore: a count past the lock-free form stays correct under the lock", () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const s = sem(nt, dev, 0, 100_000);
  const w = waitArgs(nt, [s], { owner: 1 });
  try {
    const n = new Uint32Array([1023]);
    assert.equal(nt.tryIoctl(s, NTSYNC_IOC_SEM_RELEASE, n), 0);
    n[0] = 1;
    // 1024 units do not fit the word: this release takes the lock.
    assert.equal(
      countLocks(() => nt.tryIoctl(s, NTSYNC_IOC_SEM_RELEASE, n)),
      1,
    );
    assert.equal(n[0], 1023);
    assertWhole(nt);
    // So does the take that brings it back to 1023, which then fits.
    assert.equal(
      countLocks(() => nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, w.args)),
      1,
    );
    assert.equal(
      countLocks(() => nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, w.args)),
      0,
    );
    assert.deepEqual(semState(nt, s), { count: 1022, max: 100_000 });
    assertWhole(nt);
  } finally {
    nt.close(s);
    nt.close(dev);
  }
});

Deno.test("fast semaphore: a reaped thread's lock-free calls change nothing", () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const s = sem(nt, dev, 0, 5);
  const token = nt.share();
  const there = EmulatedBackend.attach(token);
  const one = new Uint32Array([1]);
  try {
    assert.equal(there.tryIoctl(s, NTSYNC_IOC_SEM_RELEASE, one), 0);
    one[0] = 1;
    assert.equal(there.tryIoctl(s, NTSYNC_IOC_SEM_RELEASE, one), 0);
    nt.reap(token);
    one[0] = 1;
    assert.equal(there.tryIoctl(s, NTSYNC_IOC_SEM_RELEASE, one), -3);
    assert.equal(one[0], 1);
    const w = waitArgs(there, [s], { owner: 1 });
    assert.equal(there.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, w.args), -3);
    assert.deepEqual(semState(nt, s), { count: 2, max: 5 });
    assertWhole(nt);
  } finally {
    nt.close(s);
    nt.close(dev);
  }
});
