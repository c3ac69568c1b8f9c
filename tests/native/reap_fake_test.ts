/**
 * The native backend's reap, seen through a fake libc (so it runs without
 * /dev/ntsync; tests/reap/ runs it on the real driver in the VM): which
 * calls a reapable attachment's waits and a reap make, and that nothing
 * reaches the kernel from a reaped attachment.
 */

import assert from "node:assert/strict";
import { NativeBackend } from "../../ffi/native.ts";
import { Cell, familyOf } from "../../ffi/attachment.ts";
import {
  Errno,
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  WaitArgs,
} from "../../uapi/mod.ts";
import type { ShareToken } from "../../core/backend.ts";
import { WAIT } from "../../uapi/structs.ts";
import { FakeLibc } from "./_fake_libc.ts";

/** The creating thread, and an attachment of `token` with its own fake libc. */
function setup() {
  const fake = new FakeLibc();
  const nt = new NativeBackend(fake);
  const token: ShareToken = nt.share();
  const thread = token.thread as number;
  const theirs = new FakeLibc();
  const there = new NativeBackend(theirs, {
    family: familyOf(token.family)!,
    thread,
    cell: Cell.of(token.cell, thread)!,
    attached: true,
  });
  return { fake, nt, token, theirs, there };
}

function waitOn(alert = 0): DataView {
  return WaitArgs.alloc({ timeout: 0xffff_ffff_ffff_ffffn, owner: 5, alert });
}

const DEV = 5;

Deno.test("native reap: ids from one family; a wait carries the private alert; reap sets it, kills the mutexes, then nothing reaches the kernel", () => {
  const { fake, nt, token, theirs, there } = setup();
  assert.ok(nt.threadId > 0 && there.threadId > 0);
  assert.notEqual(nt.threadId, there.threadId);
  assert.notEqual(nt.share().thread, there.threadId);

  fake.answers.push({ result: 9 }); // CREATE_MUTEX → fd 9, tracked
  assert.equal(nt.ioctl(DEV, NTSYNC_IOC_CREATE_MUTEX, new Uint32Array(2)), 9);

  theirs.answers.push({ result: 20 }, { result: 0 }); // the alert, the wait
  assert.equal(there.tryIoctl(DEV, NTSYNC_IOC_WAIT_ANY, waitOn()), 0);
  assert.equal(theirs.calls[0].fd, DEV);
  assert.equal(theirs.calls[0].request, NTSYNC_IOC_CREATE_EVENT);
  const sent = WaitArgs.read(new DataView(theirs.calls[1].bytes!.buffer));
  assert.equal(sent.alert, 20, "the private alert in the free slot");
  // A wait with an alert of its own keeps it (the kernel has one slot).
  theirs.answers.push({ result: 0 });
  there.tryIoctl(DEV, NTSYNC_IOC_WAIT_ANY, waitOn(33));
  const own = WaitArgs.read(new DataView(theirs.calls[2].bytes!.buffer));
  assert.equal(own.alert, 33);
  assert.equal(theirs.calls.length, 3, "the alert is made once per device");

  fake.calls.length = 0;
  fake.answers.push({ result: 0 }, { errno: Errno.EPERM }, { result: 0 });
  nt.reap(token, { owners: [42] });
  assert.deepEqual(
    fake.calls.map((c) => [c.fd, c.request]),
    [
      [20, NTSYNC_IOC_EVENT_SET],
      [9, NTSYNC_IOC_MUTEX_KILL], // its thread id: EPERM
      [9, NTSYNC_IOC_MUTEX_KILL], // 42: killed
    ],
  );
  assert.equal(
    new DataView(fake.calls[1].bytes!.buffer).getUint32(0, true),
    there.threadId,
  );
  assert.equal(
    new DataView(fake.calls[2].bytes!.buffer).getUint32(0, true),
    42,
  );

  theirs.calls.length = 0;
  assert.equal(
    there.tryIoctl(DEV, NTSYNC_IOC_WAIT_ANY, waitOn()),
    -Errno.ESRCH,
  );
  assert.throws(
    () => there.ioctl(9, NTSYNC_IOC_MUTEX_KILL, new Uint32Array(1)),
    (e) => (e as { errno: number }).errno === Errno.ESRCH,
  );
  assert.throws(() => there.close(9), /ESRCH/);
  assert.throws(() => there.share(), /ESRCH/);
  assert.equal(theirs.calls.length, 0, "nothing reached the kernel");
});

Deno.test("native reap: a wait woken by the private alert reports ESRCH", () => {
  const { fake, nt, token, theirs, there } = setup();
  theirs.answers.push({ result: 20 }, { result: 0 });
  // The "kernel" reports the alert (index == count) after the reap revoked.
  theirs.onIoctl = (call, buf) => {
    if (call.request !== NTSYNC_IOC_WAIT_ANY || buf === null) return;
    fake.answers.push({ result: 0 });
    nt.reap(token);
    new DataView(buf.buffer, buf.byteOffset).setUint32(WAIT.index, 0, true);
  };
  assert.equal(
    there.tryIoctl(DEV, NTSYNC_IOC_WAIT_ANY, waitOn()),
    -Errno.ESRCH,
  );
});

/**
 * A wait on `objs` that the "kernel" grants (index `index`, or EOWNERDEAD)
 * just after a reap revoked its attachment; `states` answers the reads the
 * give-back makes. Returns the calls after the wait.
 */
function grantedAfterReap(
  objs: number[],
  all: boolean,
  index: number,
  dead: boolean,
  answers: { errno?: number; words?: number[] }[],
) {
  const { fake, nt, token, theirs, there } = setup();
  const fds = new Int32Array(objs);
  const args = WaitArgs.alloc({
    timeout: 0xffff_ffff_ffff_ffffn,
    objs: there.addressOf(fds),
    count: fds.length,
    owner: 5,
  });
  theirs.answers.push({ result: 20 }); // the private alert
  let waited = false;
  theirs.onIoctl = (call, buf) => {
    if (
      call.request === NTSYNC_IOC_WAIT_ANY ||
      call.request === NTSYNC_IOC_WAIT_ALL
    ) {
      // The kernel read the private copy, with these fds in it.
      const sent = WaitArgs.read(new DataView(call.bytes!.buffer));
      assert.notEqual(sent.objs, there.addressOf(fds), "a private copy");
      fake.answers.push({ result: 0 });
      nt.reap(token);
      new DataView(buf!.buffer, buf!.byteOffset).setUint32(
        WAIT.index,
        index,
        true,
      );
      theirs.answers.push(dead ? { errno: Errno.EOWNERDEAD } : { result: 0 });
      waited = true;
      return;
    }
    if (!waited) return;
    const next = answers.shift();
    if (next?.words && buf) {
      new Uint32Array(buf.buffer, buf.byteOffset, next.words.length).set(
        next.words,
      );
    }
    theirs.answers.push(next?.errno ? { errno: next.errno } : { result: 0 });
  };
  assert.equal(
    there.tryIoctl(DEV, all ? NTSYNC_IOC_WAIT_ALL : NTSYNC_IOC_WAIT_ANY, args),
    -Errno.ESRCH,
  );
  const after = theirs.calls.findIndex((c) =>
    c.request === NTSYNC_IOC_WAIT_ANY || c.request === NTSYNC_IOC_WAIT_ALL
  );
  // Reads by request only; changes with the word they pass.
  const reads = [NTSYNC_IOC_MUTEX_READ, NTSYNC_IOC_EVENT_READ];
  return theirs.calls.slice(after + 1).map((c) =>
    reads.includes(c.request)
      ? [c.fd, c.request]
      : [c.fd, c.request, new DataView(c.bytes!.buffer).getUint32(0, true)]
  );
}

Deno.test("native reap: what a wait the reap overtook acquired is given back, and the wait fails ESRCH", () => {
  // A mutex it now owns (count 1): unlocked once, for its owner.
  assert.deepEqual(
    grantedAfterReap([30, 31], false, 1, false, [{ words: [5, 1] }]),
    [[31, NTSYNC_IOC_MUTEX_READ], [31, NTSYNC_IOC_MUTEX_UNLOCK, 5]],
  );
  // An abandoned mutex it took: abandoned again.
  assert.deepEqual(
    grantedAfterReap([30], false, 0, true, [{ words: [5, 1] }]),
    [[30, NTSYNC_IOC_MUTEX_READ], [30, NTSYNC_IOC_MUTEX_KILL, 5]],
  );
  // A mutex reap has killed meanwhile (abandoned, owner 0): left alone.
  assert.deepEqual(
    grantedAfterReap([30], false, 0, false, [{
      errno: Errno.EOWNERDEAD,
      words: [0, 0],
    }]),
    [[30, NTSYNC_IOC_MUTEX_READ]],
  );
  // A semaphore: its unit back.
  assert.deepEqual(
    grantedAfterReap([30], false, 0, false, [{ errno: Errno.EINVAL }, {}]),
    [[30, NTSYNC_IOC_MUTEX_READ], [30, NTSYNC_IOC_SEM_RELEASE, 1]],
  );
  // Events: an auto-reset one set again, a manual-reset one left alone.
  assert.deepEqual(
    grantedAfterReap([30], false, 0, false, [
      { errno: Errno.EINVAL },
      { errno: Errno.EINVAL },
      { words: [0, 0] },
      {},
    ]),
    [
      [30, NTSYNC_IOC_MUTEX_READ],
      [30, NTSYNC_IOC_SEM_RELEASE, 1],
      [30, NTSYNC_IOC_EVENT_READ],
      [30, NTSYNC_IOC_EVENT_SET, 0],
    ],
  );
  assert.deepEqual(
    grantedAfterReap([30], false, 0, false, [
      { errno: Errno.EINVAL },
      { errno: Errno.EINVAL },
      { words: [1, 1] },
    ]),
    [
      [30, NTSYNC_IOC_MUTEX_READ],
      [30, NTSYNC_IOC_SEM_RELEASE, 1],
      [30, NTSYNC_IOC_EVENT_READ],
    ],
  );
  // WAIT_ALL: every object.
  assert.deepEqual(
    grantedAfterReap([30, 31], true, 0, false, [
      { words: [5, 2] },
      {},
      { errno: Errno.EINVAL },
      {},
    ]),
    [
      [30, NTSYNC_IOC_MUTEX_READ],
      [30, NTSYNC_IOC_MUTEX_UNLOCK, 5],
      [31, NTSYNC_IOC_MUTEX_READ],
      [31, NTSYNC_IOC_SEM_RELEASE, 1],
    ],
  );
});

Deno.test("native reap: an EINVAL with the private alert is retried without it; the kernel's verdict stands", () => {
  const { theirs, there } = setup();
  theirs.answers.push({ result: 20 }, { errno: Errno.EINVAL }, {
    errno: Errno.EINVAL,
  });
  assert.equal(
    there.tryIoctl(DEV, NTSYNC_IOC_WAIT_ANY, waitOn()),
    -Errno.EINVAL,
  );
  const retried = WaitArgs.read(new DataView(theirs.calls[2].bytes!.buffer));
  assert.equal(retried.alert, 0);
  // The alert was not the cause: kept for the next wait.
  theirs.answers.push({ result: 0 });
  there.tryIoctl(DEV, NTSYNC_IOC_WAIT_ANY, waitOn());
  assert.equal(theirs.calls.length, 4);
  const next = WaitArgs.read(new DataView(theirs.calls[3].bytes!.buffer));
  assert.equal(next.alert, 20);
});

Deno.test("native reap: own token RangeError, foreign TypeError", () => {
  const { nt, token, there } = setup();
  assert.throws(() => there.reap(token), RangeError);
  assert.throws(() => nt.reap({ kind: "native" }), TypeError);
  assert.throws(
    () => nt.reap(new NativeBackend(new FakeLibc()).share()),
    TypeError,
  );
});
