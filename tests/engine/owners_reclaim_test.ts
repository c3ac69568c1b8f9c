/**
 * The owner registry emptied when it runs out of room
 * (`DeviceTables#reclaimOwners`, owners.ts): owners that come after the
 * first thousand still lock and unlock without the device lock, mutexes
 * held in fast form keep their owners through it, and a thread killed
 * anywhere in it leaves a device that recovery restores.
 *
 * @module
 */

import assert from "node:assert/strict";
import { EmulatedBackend } from "../../core/emulated/backend.ts";
import {
  injectCrashAfter,
  InjectedCrash,
  SharedState,
} from "../../core/emulated/state.ts";
import { NTSYNC_IOC_MUTEX_UNLOCK, NTSYNC_IOC_WAIT_ANY } from "../../mod.ts";
import { auditDevice } from "./_audit.ts";
import { assertWhole, countLocks, mutex } from "./_util.ts";
import { readMutex, waitArgs } from "../../conformance/ops.ts";

const EPERM = -1;

function lock(nt: EmulatedBackend, dev: number, m: number, owner: number) {
  const w = waitArgs(nt, [m], { owner, timeout: 0n });
  return nt.tryIoctl(dev, NTSYNC_IOC_WAIT_ANY, w.args);
}

function unlock(nt: EmulatedBackend, m: number, owner: number) {
  return nt.tryIoctl(m, NTSYNC_IOC_MUTEX_UNLOCK, new Uint32Array([owner, 0]));
}

/** Owners `from`..`to` each lock and unlock `m` once. */
function churn(
  nt: EmulatedBackend,
  dev: number,
  m: number,
  from: number,
  to: number,
) {
  for (let owner = from; owner <= to; owner++) {
    assert.equal(lock(nt, dev, m, owner), 0);
    assert.equal(unlock(nt, m, owner), 0);
  }
}

/** The registry's count of owners added since it was last emptied. */
function added(nt: EmulatedBackend): number {
  const st = SharedState.attach(nt.share().buffer as SharedArrayBuffer);
  return st.i32[st.sec.own];
}

Deno.test("owner registry: owners after the first thousand still lock and unlock without the device lock", () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const m = mutex(nt, dev, 0, 0);
  try {
    churn(nt, dev, m, 1, 5_000);
    for (const owner of [0x7fff_0000, 5_001, -7 >>> 0]) {
      // The first lock registers the owner, under the lock.
      assert.ok(countLocks(() => churn(nt, dev, m, owner, owner)) > 0);
      assert.equal(countLocks(() => churn(nt, dev, m, owner, owner)), 0);
    }
    assertWhole(nt);
  } finally {
    nt.close(m);
    nt.close(dev);
  }
});

Deno.test("owner registry: mutexes held in fast form keep their owners when it is emptied", () => {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const churned = mutex(nt, dev, 0, 0);
  const held: number[] = [];
  try {
    // Twenty mutexes held once, lock-free, by owners 100..119.
    for (let i = 0; i < 20; i++) {
      const m = mutex(nt, dev, 0, 0);
      held.push(m);
      churn(nt, dev, m, 100 + i, 100 + i); // registers the owner
      assert.equal(lock(nt, dev, m, 100 + i), 0);
    }
    // Enough new owners to empty the registry more than once.
    let emptied = 0, before = added(nt);
    for (let owner = 1_000; owner < 6_000; owner++) {
      churn(nt, dev, churned, owner, owner);
      const now = added(nt);
      if (now < before) emptied++;
      before = now;
    }
    assert.ok(emptied >= 2, `emptied ${emptied} times`);
    assertWhole(nt);
    held.forEach((m, i) => {
      assert.deepEqual(readMutex(nt, m), {
        owner: 100 + i,
        count: 1,
        abandoned: false,
      });
      assert.equal(lock(nt, dev, m, 999), -110); // held by another: times out
      assert.equal(unlock(nt, m, 999), EPERM);
      // Held once by its owner again, with its slot back: no device lock.
      assert.equal(
        countLocks(() => assert.equal(unlock(nt, m, 100 + i), 0)),
        0,
      );
      assert.deepEqual(readMutex(nt, m), {
        owner: 0,
        count: 0,
        abandoned: false,
      });
    });
    assertWhole(nt);
  } finally {
    for (const m of held) nt.close(m);
    nt.close(churned);
    nt.close(dev);
  }
});

/** A device with `m` held once in fast form by owner 7, and `spare` free. */
function device() {
  const a = EmulatedBackend.create({ maxObjects: 64, maxFds: 64 });
  const dev = a.open();
  const m = mutex(a, dev, 0, 0), spare = mutex(a, dev, 0, 0);
  churn(a, dev, m, 7, 7);
  assert.equal(lock(a, dev, m, 7), 0);
  return { a, dev, m, spare };
}

/** The first owner from 10,000 up whose registration empties the registry. */
function emptyingOwner(): number {
  const { a, dev, spare } = device();
  for (let owner = 10_000;; owner++) {
    const count = added(a);
    churn(a, dev, spare, owner, owner);
    if (added(a) < count) return owner;
  }
}

/** `device()`, with owners up to just before `next` registered on `spare`. */
function onTheBrink(next: number) {
  const d = device();
  churn(d.a, d.dev, d.spare, 10_000, next - 1);
  return d;
}

Deno.test("owner registry: a thread killed anywhere while it is emptied leaves a device recovery restores", () => {
  const next = emptyingOwner();
  let points = 0;
  // Every early point (the pins), then every 23rd: emptying the registry
  // is a thousand journaled writes, each point a fresh device.
  for (let k = 1;; k += k < 40 ? 1 : 23) {
    const { a, dev, m, spare } = onTheBrink(next);
    const b = EmulatedBackend.attach(a.share());
    const before = [readMutex(a, m), readMutex(a, spare)];
    injectCrashAfter(k, true);
    let crashed = false;
    try {
      churn(b, dev, spare, next, next);
    } catch (err) {
      if (!(err instanceof InjectedCrash)) throw err;
      crashed = true;
    }
    const left = injectCrashAfter(0);
    const buffer = a.share().buffer as SharedArrayBuffer;
    if (!crashed) {
      assert.ok(left > 0, "completed, yet its crash point passed");
      assert.deepEqual(auditDevice(buffer), []);
      break;
    }
    points++;
    const reaper = SharedState.attach(buffer);
    reaper.bindThread(a.threadId);
    // A crash before the lock was taken (the lock-free attempt) holds none.
    reaper.recoverFrom(b.threadId);
    assert.deepEqual(auditDevice(buffer), [], `k=${k}`);
    // Owner 7 still holds m; spare is free or held by `next` (the lock of
    // the churn's first call may have completed before the crash).
    assert.deepEqual(readMutex(a, m), before[0], `k=${k}`);
    const s = readMutex(a, spare);
    assert.ok(
      s.owner === 0 || (s.owner === next && s.count === 1),
      `k=${k}: ${JSON.stringify(s)}`,
    );
    assert.equal(unlock(a, m, 7), 0);
    assert.equal(lock(a, dev, m, 8), 0);
    assert.equal(unlock(a, m, 8), 0);
  }
  assert.ok(points > 60, `only ${points} crash points`);
});
