/**
 * The engine's lock-free path for a wait on one object with an alert
 * (core/emulated/wait.ts, fast_object.ts's alertNamesObjectOf): taken when
 * the object is free at once, and never when the answer depends on the
 * alert. What callers see of it is tested on every backend in
 * tests/alert_wait_test.ts.
 *
 * @module
 */

import assert from "node:assert/strict";
import { EmulatedBackend } from "../../core/emulated/backend.ts";
import {
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ANY,
} from "../../mod.ts";
import { assertWhole, countLocks, event, mutex, sem } from "./_util.ts";
import { waitArgs } from "../../conformance/ops.ts";

Deno.test("fast alert wait: a free object is taken without the device lock", () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const alert = event(nt, dev, true, false);
  const s = sem(nt, dev, 0, 1), m = mutex(nt, dev, 0, 0);
  const e = event(nt, dev, false, false);
  const one = new Uint32Array([1]);
  const on = (fd: number, owner = 3) =>
    waitArgs(nt, [fd], { owner, timeout: 0n, alert }).args;
  const [onSem, onMutex, onEvent] = [on(s), on(m, 5), on(e)];
  const unlock = new Uint32Array([5, 0]);
  // The mutex owner's first lock registers it, under the lock.
  assert.equal(nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, onMutex), 0);
  nt.ioctl(m, NTSYNC_IOC_MUTEX_UNLOCK, unlock);
  const locks = countLocks(() => {
    for (let i = 0; i < 100; i++) {
      one[0] = 1; // the release writes back the count before it
      nt.ioctl(s, NTSYNC_IOC_SEM_RELEASE, one);
      assert.equal(nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, onSem), 0);
      assert.equal(nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, onMutex), 0);
      unlock[0] = 5;
      nt.ioctl(m, NTSYNC_IOC_MUTEX_UNLOCK, unlock);
      nt.ioctl(e, NTSYNC_IOC_EVENT_SET, one);
      assert.equal(nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, onEvent), 0);
    }
  });
  assert.equal(locks, 0);
  // Not free: the answer depends on the alert, and takes the lock.
  assert.equal(
    countLocks(() =>
      assert.equal(nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, onSem), -110)
    ),
    1,
  );
  assertWhole(nt);
  for (const fd of [e, m, s, alert, dev]) nt.close(fd);
});
