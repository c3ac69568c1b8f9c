/**
 * The lock-free mutex and semaphore paths remember, per fd, the word they
 * left (core/emulated/fast_object.ts, "Remembered words") and swap against
 * it next time without a look first. These tests change the word behind a
 * thread's back, through a second attachment in the same thread (its own
 * fast paths, the same device), and check that each answer comes from the
 * word as it is, not as it was remembered.
 *
 * @module
 */

import assert from "node:assert/strict";
import { EmulatedBackend } from "../../core/emulated/backend.ts";
import {
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ANY,
} from "../../mod.ts";
import { createMutex, waitArgs } from "../../conformance/ops.ts";
import { assertWhole, countLocks, sem, semState } from "./_util.ts";

const ETIMEDOUT = -110, EPERM = -1, EOVERFLOW = -75, EOWNERDEAD = -130;

/** A device, and a second attachment to it in this thread. */
function twoAttachments(): {
  a: EmulatedBackend;
  b: EmulatedBackend;
  dev: number;
  [Symbol.dispose](): void;
} {
  const a = EmulatedBackend.create();
  const dev = a.open();
  const b = EmulatedBackend.attach(a.share());
  return {
    a,
    b,
    dev,
    [Symbol.dispose]() {
      assertWhole(a);
      a.close(dev);
    },
  };
}

function poll(nt: EmulatedBackend, dev: number, obj: number, owner: number) {
  const w = waitArgs(nt, [obj], { owner, timeout: 0n });
  return nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, w.args);
}

function release(nt: EmulatedBackend, s: number, amount: number): number[] {
  const arg = new Uint32Array([amount]);
  return [nt.tryIoctl(s, NTSYNC_IOC_SEM_RELEASE, arg), arg[0]];
}

function unlock(nt: EmulatedBackend, m: number, owner: number): number {
  return nt.tryIoctl(m, NTSYNC_IOC_MUTEX_UNLOCK, new Uint32Array([owner, 0]));
}

Deno.test("remembered word: a poll that last left a semaphore empty sees a unit released since", () => {
  using t = twoAttachments();
  const { a, b, dev } = t;
  const s = sem(a, dev, 0, 4);
  assert.deepEqual(release(a, s, 1), [0, 0]);
  assert.equal(poll(a, dev, s, 1), 0); // a remembers the word empty
  assert.equal(poll(a, dev, s, 1), ETIMEDOUT);
  assert.deepEqual(release(b, s, 2), [0, 0]); // behind a's back
  assert.equal(countLocks(() => assert.equal(poll(a, dev, s, 1), 0)), 0);
  assert.deepEqual(semState(a, s), { count: 1, max: 4 });
  a.close(s);
});

Deno.test("remembered word: a release checks the maximum against the count as it is", () => {
  using t = twoAttachments();
  const { a, b, dev } = t;
  const s = sem(a, dev, 0, 2);
  assert.deepEqual(release(a, s, 1), [0, 0]);
  assert.equal(poll(a, dev, s, 1), 0); // a remembers count 0
  assert.deepEqual(release(b, s, 2), [0, 0]); // now 2, the maximum
  assert.deepEqual(release(a, s, 1), [EOVERFLOW, 1]); // not 0 + 1
  assert.deepEqual(semState(a, s), { count: 2, max: 2 });
  // And a release that fits copies out the count it found, not the guess.
  assert.equal(poll(b, dev, s, 1), 0);
  assert.deepEqual(release(a, s, 1), [0, 1]);
  assert.deepEqual(semState(a, s), { count: 2, max: 2 });
  // Remembered right, at the maximum: still an overflow.
  assert.deepEqual(release(a, s, 1), [EOVERFLOW, 1]);
  assert.deepEqual(semState(a, s), { count: 2, max: 2 });
  a.close(s);
});

Deno.test("remembered word: a mutex taken by another owner since is not free", () => {
  using t = twoAttachments();
  const { a, b, dev } = t;
  const m = createMutex(a, dev);
  assert.equal(poll(a, dev, m, 7), 0);
  assert.equal(unlock(a, m, 7), 0); // a remembers it free, for owner 7
  assert.equal(poll(b, dev, m, 9), 0);
  assert.equal(poll(a, dev, m, 7), ETIMEDOUT);
  assert.equal(unlock(a, m, 7), EPERM);
  assert.equal(unlock(b, m, 9), 0);
  assert.equal(countLocks(() => assert.equal(poll(a, dev, m, 7), 0)), 0);
  assert.equal(countLocks(() => assert.equal(unlock(a, m, 7), 0)), 0);
  a.close(m);
});

Deno.test("remembered word: an unlock of a mutex another thread let go of for its owner is EPERM", () => {
  using t = twoAttachments();
  const { a, b, dev } = t;
  const m = createMutex(a, dev);
  assert.equal(poll(a, dev, m, 7), 0);
  assert.equal(unlock(a, m, 7), 0);
  assert.equal(poll(a, dev, m, 7), 0); // a remembers it held by 7
  assert.equal(unlock(b, m, 7), 0); // owners are ids: b may let go
  assert.equal(unlock(a, m, 7), EPERM);
  assert.equal(poll(b, dev, m, 7), 0);
  assert.equal(unlock(a, m, 7), 0); // held by 7 again: a lets go
  a.close(m);
});

Deno.test("remembered word: a mutex killed under the lock is abandoned for its next taker", () => {
  using t = twoAttachments();
  const { a, b, dev } = t;
  const m = createMutex(a, dev);
  assert.equal(poll(a, dev, m, 7), 0);
  assert.equal(unlock(a, m, 7), 0);
  assert.equal(poll(a, dev, m, 7), 0);
  const kill = new Uint32Array([7]);
  assert.equal(b.tryIoctl(m, NTSYNC_IOC_MUTEX_KILL, kill), 0);
  assert.equal(poll(a, dev, m, 7), EOWNERDEAD);
  assert.equal(unlock(a, m, 7), 0);
  assert.equal(poll(a, dev, m, 7), 0); // and now plain again
  assert.equal(unlock(a, m, 7), 0);
  a.close(m);
});

Deno.test("remembered word: an fd closed and reused names the new object, not the remembered one", () => {
  using t = twoAttachments();
  const { a, b, dev } = t;
  const s = sem(a, dev, 0, 4);
  assert.deepEqual(release(a, s, 1), [0, 0]);
  assert.equal(poll(a, dev, s, 1), 0);
  assert.deepEqual(release(a, s, 1), [0, 0]); // a remembers s with 1
  b.close(s);
  const again = sem(b, dev, 0, 1);
  assert.equal(again, s); // the same fd number
  assert.equal(poll(a, dev, again, 1), ETIMEDOUT);
  assert.deepEqual(release(a, again, 1), [0, 0]);
  assert.deepEqual(release(a, again, 1), [EOVERFLOW, 1]);
  a.close(again);
});
