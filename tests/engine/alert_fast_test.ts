/**
 * The engine's lock-free path for a wait on one object with an alert
 * (core/emulated/wait.ts; the alert told by fast.ts's namesEventOf or
 * fast_object.ts's alertNamesObjectOf): taken when
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

// The alert is told from the word this thread remembers for it (fast.ts,
// `namesEventOf`): these change what its fd names behind that memory.

const EINVAL = -22, ETIMEDOUT = -110;

/** A free semaphore polled with `alert` (an fd) as the alert: the result. */
function pollWithAlert(
  nt: EmulatedBackend,
  dev: number,
  s: number,
  alert: number,
): number {
  nt.ioctl(s, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
  const args = waitArgs(nt, [s], { owner: 3, timeout: 0n, alert }).args;
  const r = nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, args);
  // Nothing was taken when the wait failed: take the unit back.
  if (r !== 0) {
    assert.equal(nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, poll(nt, s)), 0);
  }
  return r;
}

function poll(nt: EmulatedBackend, s: number): DataView {
  return waitArgs(nt, [s], { owner: 3, timeout: 0n }).args;
}

for (const behind of [false, true]) {
  const who = behind ? "another attachment" : "the same thread";
  Deno.test(`fast alert wait: an alert fd closed by ${who} and reused by another device is EINVAL`, () => {
    const a = EmulatedBackend.create();
    const b = behind ? EmulatedBackend.attach(a.share()) : a;
    const dev = a.open(), other = a.open();
    const s = sem(a, dev, 0, 1);
    const alert = event(a, dev, true, false);
    for (let i = 0; i < 3; i++) {
      assert.equal(pollWithAlert(a, dev, s, alert), 0);
    }
    b.close(alert);
    assert.equal(pollWithAlert(a, dev, s, alert), EINVAL); // not open
    const foreign = event(b, other, true, false);
    assert.equal(foreign, alert, "the fd is reused");
    assert.equal(pollWithAlert(a, dev, s, alert), EINVAL);
    assert.equal(a.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, poll(a, s)), ETIMEDOUT);
    b.close(foreign);
    const mine = event(b, dev, true, false); // this device's again
    assert.equal(mine, alert);
    assert.equal(pollWithAlert(a, dev, s, mine), 0);
    assertWhole(a);
    for (const fd of [mine, s, dev, other]) a.close(fd);
  });
}

Deno.test("fast alert wait: an alert fd that now names a semaphore, or a mutex as the alert, takes the wait as before", () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const s = sem(nt, dev, 0, 1), m = mutex(nt, dev, 0, 0);
  const alert = event(nt, dev, true, false);
  assert.equal(pollWithAlert(nt, dev, s, alert), 0);
  nt.close(alert);
  const sameFd = sem(nt, dev, 0, 1); // a semaphore as the alert
  assert.equal(sameFd, alert);
  assert.equal(pollWithAlert(nt, dev, s, sameFd), 0);
  assert.equal(pollWithAlert(nt, dev, s, m), 0); // a mutex as the alert
  assertWhole(nt);
  for (const fd of [sameFd, m, s, dev]) nt.close(fd);
});
