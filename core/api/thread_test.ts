import assert from "node:assert/strict";
import { NtsyncError } from "../errors.ts";
import { Errno } from "../../uapi/errno.ts";
import { attachDevice, openDevice } from "./device.ts";
import { testEachBackend } from "./_test_helpers.ts";

function isEsrch(err: unknown): boolean {
  return err instanceof NtsyncError && err.errno === Errno.ESRCH;
}

testEachBackend(
  "threadId: nonzero, unique per attachment, the backend's",
  (backend) => {
    using dev = openDevice(backend);
    assert.equal(dev.threadId, backend.threadId);
    const ids = new Set([dev.threadId]);
    const there = [];
    for (let i = 0; i < 50; i++) {
      const d = attachDevice(dev.share());
      there.push(d);
      assert.ok(d.threadId > 0 && d.threadId <= 0xffff_ffff);
      assert.equal(d.threadId >>> 0, d.threadId);
      ids.add(d.threadId);
    }
    assert.equal(ids.size, 51, "every attachment has its own id");
    assert.ok(!ids.has(0));
    for (const d of there) d.close();
  },
);

testEachBackend(
  "threadId: the default owner of waits, unlock and kill",
  (backend) => {
    using dev = openDevice(backend);
    using m = dev.createMutex();
    using there = attachDevice(dev.share());
    const theirs = there.mutex(m.fd);
    assert.deepEqual(dev.waitAny([m], { timeout: 0 }), {
      status: "signaled",
      index: 0,
    });
    assert.deepEqual(m.read(), {
      owner: dev.threadId,
      count: 1,
      abandoned: false,
    });
    // Another thread's default owner is its own id: not the owner.
    assert.deepEqual(there.waitAny([theirs], { timeout: 0 }), {
      status: "timeout",
    });
    assert.throws(
      () => theirs.unlock(),
      (e) => (e as NtsyncError).errno === Errno.EPERM,
    );
    assert.equal(m.unlock(), 1);
    assert.deepEqual(there.waitAll([theirs], { timeout: 0 }), {
      status: "signaled",
      index: 0,
    });
    assert.equal(m.read().owner, there.threadId);
    theirs.kill();
    assert.deepEqual(m.read(), { owner: 0, count: 0, abandoned: true });
    // An explicit owner still wins.
    assert.deepEqual(dev.waitAny([m], { owner: 7, timeout: 0 }), {
      status: "abandoned",
      index: 0,
    });
    assert.equal(m.unlock(7), 1);
  },
);

testEachBackend(
  "reap: a device.share() token revokes that attachment",
  (backend) => {
    using dev = openDevice(backend);
    using m = dev.createMutex();
    using m99 = dev.createMutex();
    using free = dev.createMutex();
    using sem = dev.createSemaphore(2, 5);
    using ev = dev.createEvent({ manual: true });
    const token = dev.share();
    using there = attachDevice(token);
    const [tm, t99, tsem, tev] = [
      there.mutex(m.fd),
      there.mutex(m99.fd),
      there.semaphore(sem.fd),
      there.event(ev.fd),
    ];
    assert.equal(there.waitAny([tm]).status, "signaled");
    assert.equal(there.waitAny([t99], { owner: 99 }).status, "signaled");
    assert.equal(there.waitAny([tsem]).status, "signaled");
    dev.reap(token, { owners: [99] });
    // Its mutexes are abandoned; the others untouched.
    assert.deepEqual(m.read(), { owner: 0, count: 0, abandoned: true });
    assert.deepEqual(m99.read(), { owner: 0, count: 0, abandoned: true });
    assert.deepEqual(free.read(), { owner: 0, count: 0, abandoned: false });
    // Every later call fails ESRCH and changes nothing.
    assert.throws(() => there.waitAny([tsem], { timeout: 0 }), isEsrch);
    assert.throws(() => there.waitAll([tev, tsem]), isEsrch);
    assert.throws(() => tsem.release(1), isEsrch);
    assert.throws(() => tev.set(), isEsrch);
    assert.throws(() => tev.read(), isEsrch);
    assert.throws(() => there.createSemaphore(0, 1), isEsrch);
    // No way out through a fresh token, nor by reaping others.
    assert.throws(() => there.share(), isEsrch);
    assert.throws(() => there.reap(dev.share()), isEsrch);
    assert.throws(
      () => backend.reap(dev.share().backend, { owners: [0] }),
      RangeError,
    );
    assert.deepEqual(sem.read(), { count: 1, max: 5 });
    assert.deepEqual(ev.read(), { manual: true, signaled: false });
    // Idempotent.
    dev.reap(token, { owners: [99] });
    assert.deepEqual(sem.read(), { count: 1, max: 5 });
    assert.equal(dev.waitAny([m]).status, "abandoned");
    assert.equal(m.unlock(), 1);
  },
);

testEachBackend(
  "reap: of one's own token is a RangeError; of another device's a TypeError",
  (backend) => {
    using dev = openDevice(backend);
    using other = openDevice(backend);
    const token = dev.share();
    using there = attachDevice(token);
    assert.throws(() => there.reap(token), {
      name: "RangeError",
      message: /a thread cannot reap itself/,
    });
    assert.throws(() => dev.reap(other.share()), TypeError);
    assert.throws(() => dev.reap({} as never), TypeError);
    assert.throws(
      () => backend.reap({ kind: backend.kind } as never),
      TypeError,
    );
    assert.throws(
      () => dev.reap(token, { owners: [1.5] }),
      { name: "RangeError", message: /options.owners\[0\]/ },
    );
    // Nothing was revoked by the refusals.
    using sem = there.createSemaphore(1, 1);
    assert.equal(there.waitAny([sem], { timeout: 0 }).status, "signaled");
  },
);

testEachBackend("reapAndTerminate: reaps first, then terminates", (backend) => {
  using dev = openDevice(backend);
  using sem = dev.createSemaphore(1, 1);
  const token = dev.share();
  using there = attachDevice(token);
  const theirs = there.semaphore(sem.fd);
  const seen: string[] = [];
  const worker = {
    terminate() {
      assert.throws(() => theirs.release(), isEsrch);
      seen.push("terminated after the reap");
    },
  };
  dev.reapAndTerminate(worker, token);
  assert.deepEqual(seen, ["terminated after the reap"]);
  assert.throws(() => dev.reapAndTerminate({} as never, token), TypeError);
  assert.deepEqual(sem.read(), { count: 1, max: 1 });
});
