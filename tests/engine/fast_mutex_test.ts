/**
 * The engine's lock-free mutex paths (core/emulated/fast_mutex.ts): that
 * they really skip the device lock, and that what skips it cannot outlive
 * a reap. What callers see of them is tested on every backend in
 * tests/mutex_fast_test.ts.
 *
 * @module
 */

import assert from "node:assert/strict";
import { EmulatedBackend } from "../../core/emulated/backend.ts";
import { NTSYNC_IOC_MUTEX_UNLOCK, NTSYNC_IOC_WAIT_ANY } from "../../mod.ts";
import { assertWhole, countLocks, mutex } from "./_util.ts";
import { readMutex, waitArgs } from "../../conformance/ops.ts";

function lockUnlock(nt: EmulatedBackend, dev: number, m: number, owner = 5) {
  const w = waitArgs(nt, [m], { owner });
  assert.equal(nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, w.args), 0);
  const unlock = new Uint32Array([owner, 0]);
  assert.equal(nt.tryIoctl(m, NTSYNC_IOC_MUTEX_UNLOCK, unlock), 0);
  assert.equal(unlock[1], 1);
}

Deno.test("fast mutex: an uncontended lock/unlock takes no device lock once its owner is known", () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const m = mutex(nt, dev, 0, 0);
  try {
    // The owner's first lock registers it (under the lock).
    assert.ok(countLocks(() => lockUnlock(nt, dev, m)) > 0);
    assert.equal(
      countLocks(() => {
        for (let i = 0; i < 100; i++) lockUnlock(nt, dev, m);
      }),
      0,
    );
    // A recursive lock is the slow path's; held once again, the unlock is not.
    const w = waitArgs(nt, [m], { owner: 5 });
    assert.equal(nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, w.args), 0);
    assert.equal(
      countLocks(() =>
        assert.equal(nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, w.args), 0)
      ),
      1,
    );
    const unlock = new Uint32Array([5, 0]);
    assert.equal(
      countLocks(() => nt.tryIoctl(m, NTSYNC_IOC_MUTEX_UNLOCK, unlock)),
      1,
    );
    assert.equal(unlock[1], 2);
    assert.equal(
      countLocks(() => nt.tryIoctl(m, NTSYNC_IOC_MUTEX_UNLOCK, unlock)),
      0,
    );
    assert.equal(unlock[1], 1);
    assert.deepEqual(readMutex(nt, m), {
      owner: 0,
      count: 0,
      abandoned: false,
    });
    assertWhole(nt);
  } finally {
    nt.close(m);
    nt.close(dev);
  }
});

Deno.test("fast mutex: owners past the registry's room get a slot when it is emptied", () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const m = mutex(nt, dev, 0, 0);
  try {
    for (let owner = 1; owner <= 1_500; owner++) lockUnlock(nt, dev, m, owner);
    // A new owner's lock takes the device lock once, to register it (the
    // registry, full, is emptied: tests/engine/owners_reclaim_test.ts);
    // its unlock and its next calls do not.
    assert.equal(countLocks(() => lockUnlock(nt, dev, m, 0x7fff_0000)), 1);
    assert.equal(countLocks(() => lockUnlock(nt, dev, m, 0x7fff_0000)), 0);
    assertWhole(nt);
  } finally {
    nt.close(m);
    nt.close(dev);
  }
});

/**
 * A mutex held once, lock-free, by owner 5 of another attachment (`there`,
 * reaped by the test), after a few lock/unlock rounds there.
 */
function heldElsewhere() {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const m = mutex(nt, dev, 0, 0);
  const token = nt.share();
  const there = EmulatedBackend.attach(token);
  for (let i = 0; i < 3; i++) lockUnlock(there, dev, m);
  const w = waitArgs(there, [m], { owner: 5 });
  assert.equal(there.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, w.args), 0);
  const close = () => {
    nt.close(m);
    nt.close(dev);
  };
  return { nt, dev, m, token, there, w, close };
}

Deno.test("fast mutex: a reaped thread's lock-free mutex calls change nothing", () => {
  const { nt, dev, m, token, there, w, close } = heldElsewhere();
  try {
    nt.reap(token);
    const unlock = new Uint32Array([5, 0xdead]);
    assert.equal(there.tryIoctl(m, NTSYNC_IOC_MUTEX_UNLOCK, unlock), -3);
    assert.equal(unlock[1], 0xdead);
    assert.deepEqual(readMutex(nt, m), {
      owner: 5,
      count: 1,
      abandoned: false,
    });
    assert.equal(nt.tryIoctl(m, NTSYNC_IOC_MUTEX_UNLOCK, unlock), 0);
    assert.equal(there.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, w.args), -3);
    assert.deepEqual(readMutex(nt, m), {
      owner: 0,
      count: 0,
      abandoned: false,
    });
    assertWhole(nt);
  } finally {
    close();
  }
});

Deno.test("fast mutex: reap with its owner abandons a mutex held lock-free", () => {
  const { nt, dev, m, token, close } = heldElsewhere();
  try {
    nt.reap(token, { owners: [5] });
    assert.equal(readMutex(nt, m).abandoned, true);
    const mine = waitArgs(nt, [m], { owner: 6 });
    assert.equal(nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, mine.args), -130);
    assert.deepEqual(readMutex(nt, m), {
      owner: 6,
      count: 1,
      abandoned: false,
    });
    assertWhole(nt);
  } finally {
    close();
  }
});
