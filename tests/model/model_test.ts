/**
 * The reference model checked against the kernel's single-threaded facts:
 * the sequential parts of the kernel selftests
 * (tools/testing/selftests/drivers/ntsync/ntsync.c) and the facts measured
 * on a live kernel (docs/semantics.md). If the model is wrong here, every fuzz verdict
 * built on it is wrong too.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ModelBackend, ModelWouldBlock } from "./model.ts";
import {
  attempt,
  createEvent,
  createMutex,
  createSem,
  fdOf,
  readEvent,
  readMutex,
  readSem,
  releaseSem,
  unlockMutex,
  waitObjs,
  wordIoctl,
} from "../_tuples.ts";
import {
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ANY,
} from "../../uapi/ioctl.ts";
import { MutexArgs, SemArgs, WaitArgs } from "../../uapi/structs.ts";

const U32_MAX = 0xffff_ffff;

function setup(): { nt: ModelBackend; dev: number } {
  const nt = new ModelBackend();
  return { nt, dev: nt.open() };
}

Deno.test("model: semaphore_state", () => {
  const { nt, dev } = setup();
  assert.equal(createSem(nt, dev, 3, 2), "EINVAL");
  const sem = fdOf(createSem(nt, dev, 2, 2));
  assert.deepEqual(readSem(nt, sem), [0, 2, 2]);
  assert.deepEqual(releaseSem(nt, sem, 0), [0, 2]);
  assert.deepEqual(readSem(nt, sem), [0, 2, 2]);
  assert.deepEqual(releaseSem(nt, sem, 1), ["EOVERFLOW", 1]);
  assert.deepEqual(readSem(nt, sem), [0, 2, 2]);
  assert.deepEqual(waitObjs(nt, dev, false, [sem], 123), [0, 0]);
  assert.deepEqual(readSem(nt, sem), [0, 1, 2]);
  assert.deepEqual(waitObjs(nt, dev, false, [sem], 123), [0, 0]);
  assert.deepEqual(readSem(nt, sem), [0, 0, 2]);
  assert.deepEqual(waitObjs(nt, dev, false, [sem], 123), [
    "ETIMEDOUT",
    0xdeadbeef,
  ]);
  assert.deepEqual(releaseSem(nt, sem, 3), ["EOVERFLOW", 3]);
  assert.deepEqual(readSem(nt, sem), [0, 0, 2]);
  assert.deepEqual(releaseSem(nt, sem, 2), [0, 0]);
  assert.deepEqual(readSem(nt, sem), [0, 2, 2]);
  assert.equal(waitObjs(nt, dev, false, [sem], 123)[0], 0);
  assert.equal(waitObjs(nt, dev, false, [sem], 123)[0], 0);
  assert.deepEqual(releaseSem(nt, sem, 1), [0, 0]);
  assert.deepEqual(readSem(nt, sem), [0, 1, 2]);
  assert.deepEqual(releaseSem(nt, sem, U32_MAX), ["EOVERFLOW", U32_MAX]);
  assert.deepEqual(readSem(nt, sem), [0, 1, 2]);
});

Deno.test("model: mutex_state", () => {
  const { nt, dev } = setup();
  assert.equal(createMutex(nt, dev, 123, 0), "EINVAL");
  assert.equal(createMutex(nt, dev, 0, 2), "EINVAL");
  const m = fdOf(createMutex(nt, dev, 123, 2));
  assert.deepEqual(readMutex(nt, m), [0, 2, 123]);
  assert.deepEqual(unlockMutex(nt, m, 0), ["EINVAL", 0xdeadbeef]);
  assert.deepEqual(unlockMutex(nt, m, 456), ["EPERM", 0xdeadbeef]);
  assert.deepEqual(readMutex(nt, m), [0, 2, 123]);
  assert.deepEqual(unlockMutex(nt, m, 123), [0, 2]);
  assert.deepEqual(readMutex(nt, m), [0, 1, 123]);
  assert.deepEqual(unlockMutex(nt, m, 123), [0, 1]);
  assert.deepEqual(readMutex(nt, m), [0, 0, 0]);
  assert.deepEqual(unlockMutex(nt, m, 123), ["EPERM", 0xdeadbeef]);
  assert.deepEqual(waitObjs(nt, dev, false, [m], 456), [0, 0]);
  assert.deepEqual(readMutex(nt, m), [0, 1, 456]);
  assert.deepEqual(waitObjs(nt, dev, false, [m], 456), [0, 0]);
  assert.deepEqual(readMutex(nt, m), [0, 2, 456]);
  assert.deepEqual(unlockMutex(nt, m, 456), [0, 2]);
  assert.deepEqual(readMutex(nt, m), [0, 1, 456]);
  assert.equal(waitObjs(nt, dev, false, [m], 123)[0], "ETIMEDOUT");

  assert.equal(wordIoctl(nt, m, NTSYNC_IOC_MUTEX_KILL, 0)[0], "EINVAL");
  assert.equal(wordIoctl(nt, m, NTSYNC_IOC_MUTEX_KILL, 123)[0], "EPERM");
  assert.deepEqual(readMutex(nt, m), [0, 1, 456]);
  assert.equal(wordIoctl(nt, m, NTSYNC_IOC_MUTEX_KILL, 456)[0], 0);
  assert.deepEqual(readMutex(nt, m), ["EOWNERDEAD", 0, 0]);
  assert.deepEqual(readMutex(nt, m), ["EOWNERDEAD", 0, 0]);
  assert.deepEqual(waitObjs(nt, dev, false, [m], 123), ["EOWNERDEAD", 0]);
  assert.deepEqual(readMutex(nt, m), [0, 1, 123]);
  assert.equal(wordIoctl(nt, m, NTSYNC_IOC_MUTEX_KILL, 123)[0], 0);
  assert.deepEqual(readMutex(nt, m), ["EOWNERDEAD", 0, 0]);
  assert.deepEqual(waitObjs(nt, dev, false, [m], 123), ["EOWNERDEAD", 0]);
  assert.deepEqual(readMutex(nt, m), [0, 1, 123]);
  nt.close(m);

  const m2 = fdOf(createMutex(nt, dev, 0, 0));
  assert.deepEqual(readMutex(nt, m2), [0, 0, 0]);
  assert.deepEqual(waitObjs(nt, dev, false, [m2], 123), [0, 0]);
  assert.deepEqual(readMutex(nt, m2), [0, 1, 123]);
  nt.close(m2);

  const m3 = fdOf(createMutex(nt, dev, 123, U32_MAX));
  assert.deepEqual(readMutex(nt, m3), [0, U32_MAX, 123]);
  assert.equal(waitObjs(nt, dev, false, [m3], 123)[0], "ETIMEDOUT");
  // Unlocking still works from the recursion limit (is_signaled()).
  assert.deepEqual(unlockMutex(nt, m3, 123), [0, U32_MAX]);
});

Deno.test("model: manual_event_state and auto_event_state", () => {
  const { nt, dev } = setup();
  const ev = fdOf(createEvent(nt, dev, 1, 0));
  assert.deepEqual(readEvent(nt, ev), [0, 0, 1]);
  assert.deepEqual(wordIoctl(nt, ev, NTSYNC_IOC_EVENT_SET), [0, 0]);
  assert.deepEqual(readEvent(nt, ev), [0, 1, 1]);
  assert.deepEqual(wordIoctl(nt, ev, NTSYNC_IOC_EVENT_SET), [0, 1]);
  assert.deepEqual(waitObjs(nt, dev, false, [ev], 123), [0, 0]);
  assert.deepEqual(readEvent(nt, ev), [0, 1, 1]);
  assert.deepEqual(wordIoctl(nt, ev, NTSYNC_IOC_EVENT_RESET), [0, 1]);
  assert.deepEqual(wordIoctl(nt, ev, NTSYNC_IOC_EVENT_RESET), [0, 0]);
  assert.equal(waitObjs(nt, dev, false, [ev], 123)[0], "ETIMEDOUT");
  assert.deepEqual(wordIoctl(nt, ev, NTSYNC_IOC_EVENT_SET), [0, 0]);
  assert.deepEqual(wordIoctl(nt, ev, NTSYNC_IOC_EVENT_PULSE), [0, 1]);
  assert.deepEqual(readEvent(nt, ev), [0, 0, 1]);
  assert.deepEqual(wordIoctl(nt, ev, NTSYNC_IOC_EVENT_PULSE), [0, 0]);

  const au = fdOf(createEvent(nt, dev, 0, 1));
  assert.deepEqual(readEvent(nt, au), [0, 1, 0]);
  assert.deepEqual(wordIoctl(nt, au, NTSYNC_IOC_EVENT_SET), [0, 1]);
  assert.deepEqual(waitObjs(nt, dev, false, [au], 123), [0, 0]);
  assert.deepEqual(readEvent(nt, au), [0, 0, 0]);
  assert.deepEqual(wordIoctl(nt, au, NTSYNC_IOC_EVENT_RESET), [0, 0]);
  assert.equal(waitObjs(nt, dev, false, [au], 123)[0], "ETIMEDOUT");
  assert.deepEqual(wordIoctl(nt, au, NTSYNC_IOC_EVENT_SET), [0, 0]);
  assert.deepEqual(wordIoctl(nt, au, NTSYNC_IOC_EVENT_PULSE), [0, 1]);
  assert.deepEqual(readEvent(nt, au), [0, 0, 0]);
  assert.deepEqual(wordIoctl(nt, au, NTSYNC_IOC_EVENT_PULSE), [0, 0]);
  // ntsync_create_event(): any nonzero value is stored as true and read back as 1.
  const odd = fdOf(createEvent(nt, dev, 0x80000000, 7));
  assert.deepEqual(readEvent(nt, odd), [0, 1, 1]);
});

Deno.test("model: test_wait_any", () => {
  const { nt, dev } = setup();
  const sem = fdOf(createSem(nt, dev, 2, 3));
  const m = fdOf(createMutex(nt, dev, 0, 0));
  const objs = [sem, m];
  assert.deepEqual(waitObjs(nt, dev, false, objs, 123), [0, 0]);
  assert.deepEqual(readSem(nt, sem), [0, 1, 3]);
  assert.deepEqual(waitObjs(nt, dev, false, objs, 123), [0, 0]);
  assert.deepEqual(readSem(nt, sem), [0, 0, 3]);
  assert.deepEqual(readMutex(nt, m), [0, 0, 0]);
  assert.deepEqual(waitObjs(nt, dev, false, objs, 123), [0, 1]);
  assert.deepEqual(readMutex(nt, m), [0, 1, 123]);
  assert.deepEqual(releaseSem(nt, sem, 1), [0, 0]);
  assert.deepEqual(waitObjs(nt, dev, false, objs, 123), [0, 0]);
  assert.deepEqual(waitObjs(nt, dev, false, objs, 123), [0, 1]);
  assert.deepEqual(readMutex(nt, m), [0, 2, 123]);
  assert.equal(waitObjs(nt, dev, false, objs, 456)[0], "ETIMEDOUT");
  assert.equal(wordIoctl(nt, m, NTSYNC_IOC_MUTEX_KILL, 123)[0], 0);
  assert.deepEqual(waitObjs(nt, dev, false, objs, 456), ["EOWNERDEAD", 1]);
  assert.deepEqual(waitObjs(nt, dev, false, objs, 456), [0, 1]);
  nt.close(m);
  assert.deepEqual(releaseSem(nt, sem, 2), [0, 0]);
  assert.deepEqual(waitObjs(nt, dev, false, [sem, sem], 456), [0, 0]);
  assert.deepEqual(readSem(nt, sem), [0, 1, 3]);
  assert.equal(waitObjs(nt, dev, false, [], 456)[0], "ETIMEDOUT");
  const many = new Array(65).fill(sem);
  assert.deepEqual(waitObjs(nt, dev, false, many.slice(0, 64), 123), [0, 0]);
  assert.equal(waitObjs(nt, dev, false, many, 123)[0], "EINVAL");
  assert.equal(
    waitObjs(nt, dev, false, many, 123, { count: U32_MAX })[0],
    "EINVAL",
  );
});

Deno.test("model: test_wait_all", () => {
  const { nt, dev } = setup();
  const sem = fdOf(createSem(nt, dev, 2, 3));
  const m = fdOf(createMutex(nt, dev, 0, 0));
  const objs = [sem, m];
  assert.deepEqual(waitObjs(nt, dev, true, objs, 123), [0, 0]);
  assert.deepEqual(readSem(nt, sem), [0, 1, 3]);
  assert.deepEqual(readMutex(nt, m), [0, 1, 123]);
  assert.equal(waitObjs(nt, dev, true, objs, 456)[0], "ETIMEDOUT");
  assert.deepEqual(readSem(nt, sem), [0, 1, 3]);
  assert.deepEqual(readMutex(nt, m), [0, 1, 123]);
  assert.deepEqual(waitObjs(nt, dev, true, objs, 123), [0, 0]);
  assert.deepEqual(readSem(nt, sem), [0, 0, 3]);
  assert.deepEqual(readMutex(nt, m), [0, 2, 123]);
  assert.equal(waitObjs(nt, dev, true, objs, 123)[0], "ETIMEDOUT");
  assert.deepEqual(releaseSem(nt, sem, 3), [0, 0]);
  assert.deepEqual(waitObjs(nt, dev, true, objs, 123), [0, 0]);
  assert.deepEqual(readSem(nt, sem), [0, 2, 3]);
  assert.deepEqual(readMutex(nt, m), [0, 3, 123]);
  assert.equal(wordIoctl(nt, m, NTSYNC_IOC_MUTEX_KILL, 123)[0], 0);
  assert.deepEqual(waitObjs(nt, dev, true, objs, 123), ["EOWNERDEAD", 0]);
  assert.deepEqual(readSem(nt, sem), [0, 1, 3]);
  assert.deepEqual(readMutex(nt, m), [0, 1, 123]);
  nt.close(m);
  const ev = fdOf(createEvent(nt, dev, 1, 1));
  assert.deepEqual(waitObjs(nt, dev, true, [sem, ev], 123), [0, 0]);
  assert.deepEqual(readSem(nt, sem), [0, 0, 3]);
  assert.deepEqual(readEvent(nt, ev), [0, 1, 1]);
  nt.close(ev);
  assert.equal(waitObjs(nt, dev, true, [sem, sem], 123)[0], "EINVAL");
  // docs/semantics.md#alerts: all of nothing succeeds at once, even with an alert.
  assert.deepEqual(waitObjs(nt, dev, true, [], 123), [0, 0]);
});

Deno.test("model: alert_any and alert_all (sequential parts)", () => {
  const { nt, dev } = setup();
  const s0 = fdOf(createSem(nt, dev, 0, 2));
  const s1 = fdOf(createSem(nt, dev, 1, 2));
  const alert = fdOf(createEvent(nt, dev, 1, 1));
  const any = (objs: number[]) =>
    waitObjs(nt, dev, false, objs, 123, { alert });
  assert.deepEqual(any([]), [0, 0]);
  wordIoctl(nt, alert, NTSYNC_IOC_EVENT_RESET);
  assert.equal(any([])[0], "ETIMEDOUT");
  wordIoctl(nt, alert, NTSYNC_IOC_EVENT_SET);
  assert.deepEqual(any([s0, s1]), [0, 1]);
  assert.deepEqual(any([s0, s1]), [0, 2]);
  nt.close(alert);
  const auto = fdOf(createEvent(nt, dev, 0, 1));
  releaseSem(nt, s0, 1);
  const anyAuto = (objs: number[]) =>
    waitObjs(nt, dev, false, objs, 123, { alert: auto });
  assert.deepEqual(anyAuto([s0, s1]), [0, 0]);
  assert.deepEqual(anyAuto([s0, s1]), [0, 2]);
  assert.equal(anyAuto([s0, s1])[0], "ETIMEDOUT");

  const { nt: nt2, dev: dev2 } = setup();
  const a0 = fdOf(createSem(nt2, dev2, 2, 2));
  const a1 = fdOf(createSem(nt2, dev2, 1, 2));
  const man = fdOf(createEvent(nt2, dev2, 1, 1));
  const all = (alertFd: number) =>
    waitObjs(nt2, dev2, true, [a0, a1], 123, { alert: alertFd });
  assert.deepEqual(all(man), [0, 0]);
  assert.deepEqual(readSem(nt2, a0), [0, 1, 2]);
  assert.deepEqual(readSem(nt2, a1), [0, 0, 2]);
  assert.deepEqual(all(man), [0, 2]);
  nt2.close(man);
  const au = fdOf(createEvent(nt2, dev2, 0, 1));
  releaseSem(nt2, a1, 2);
  assert.deepEqual(all(au), [0, 0]);
  assert.deepEqual(all(au), [0, 2]);
  assert.equal(all(au)[0], "ETIMEDOUT");
  // The alert counts as an entry for WAIT_ALL duplicates (setup_wait()).
  assert.equal(all(a0)[0], "EINVAL");
});

Deno.test("model: alert of another type is acquired by its own rules (docs/semantics.md#alerts)", () => {
  const { nt, dev } = setup();
  const sem = fdOf(createSem(nt, dev, 1, 1));
  const empty = fdOf(createSem(nt, dev, 0, 1));
  assert.deepEqual(
    waitObjs(nt, dev, false, [empty], 7, { alert: sem }),
    [0, 1],
  );
  assert.deepEqual(readSem(nt, sem), [0, 0, 1]);
  const m = fdOf(createMutex(nt, dev, 9, 1));
  wordIoctl(nt, m, NTSYNC_IOC_MUTEX_KILL, 9);
  assert.deepEqual(
    waitObjs(nt, dev, true, [empty], 7, { alert: m }),
    ["EOWNERDEAD", 1],
  );
  assert.deepEqual(readMutex(nt, m), [0, 1, 7]);
  // WAIT_ANY duplicates: the objs index wins over the alert (ntsync_wait_any()).
  const ev = fdOf(createEvent(nt, dev, 1, 1));
  assert.deepEqual(waitObjs(nt, dev, false, [ev], 7, { alert: ev }), [0, 0]);
});

Deno.test("model: wait_args_validation and the check order of setup_wait()", () => {
  const { nt, dev } = setup();
  const dev2 = nt.open();
  const sem = fdOf(createSem(nt, dev, 1, 1));
  assert.equal(waitObjs(nt, dev, false, [sem], 0)[0], "EINVAL");
  assert.equal(waitObjs(nt, dev, true, [sem], 0)[0], "EINVAL");
  assert.equal(waitObjs(nt, dev, false, [], 123, { pad: 1 })[0], "EINVAL");
  assert.equal(waitObjs(nt, dev2, false, [sem], 123)[0], "EINVAL");
  assert.equal(waitObjs(nt, dev, false, [sem], 123, { flags: 2 })[0], "EINVAL");
  // The device fd and closed fds are EINVAL, not EBADF, in a wait.
  assert.equal(waitObjs(nt, dev, false, [dev], 123)[0], "EINVAL");
  assert.equal(waitObjs(nt, dev, false, [-1], 123)[0], "EINVAL");
  // count > 64 is checked before objs is read: EINVAL, not EFAULT.
  const args = WaitArgs.alloc({ objs: 0x1234n, count: 65, owner: 1 });
  assert.equal(
    attempt(() => nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args)).ret,
    "EINVAL",
  );
  WaitArgs.write(args, { count: 1 });
  assert.equal(
    attempt(() => nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args)).ret,
    "EFAULT",
  );
  // A view too short for count is EFAULT.
  const short = new Int32Array([sem]);
  WaitArgs.write(args, { objs: nt.addressOf(short), count: 2 });
  assert.equal(
    attempt(() => nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args)).ret,
    "EFAULT",
  );
  // pad is checked before owner, owner before count.
  WaitArgs.write(args, { count: 65, owner: 0, pad: 1 });
  assert.equal(
    attempt(() => nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args)).ret,
    "EINVAL",
  );
  // A satisfiable wait with an infinite timeout acquires at once; an
  // unsatisfiable one is refused by the model as "would block".
  assert.deepEqual(
    waitObjs(nt, dev, false, [sem], 1, { timeout: 1n << 63n }),
    [0, 0],
  );
  assert.throws(
    () =>
      waitObjs(nt, dev, false, [sem], 1, { timeout: 0xffff_ffff_ffff_ffffn }),
    ModelWouldBlock,
  );
});

Deno.test("model: EFAULT points, ENOTTY and EBADF", () => {
  const { nt, dev } = setup();
  const ev = fdOf(createEvent(nt, dev, 0, 0));
  // EVENT_SET with NULL sets the event, then fails EFAULT (ntsync_event_set()).
  assert.equal(
    attempt(() => nt.ioctl(ev, NTSYNC_IOC_EVENT_SET, null)).ret,
    "EFAULT",
  );
  assert.deepEqual(readEvent(nt, ev), [0, 1, 0]);
  // The READs check the type before the copy (ntsync_*_read()).
  assert.equal(
    attempt(() => nt.ioctl(ev, NTSYNC_IOC_SEM_READ, null)).ret,
    "EINVAL",
  );
  assert.equal(
    attempt(() => nt.ioctl(ev, NTSYNC_IOC_EVENT_READ, new Uint8Array(7))).ret,
    "EFAULT",
  );
  // SEM_RELEASE reads before the type check (ntsync_sem_release()).
  assert.equal(
    attempt(() => nt.ioctl(ev, NTSYNC_IOC_SEM_RELEASE, null)).ret,
    "EFAULT",
  );
  // MUTEX_UNLOCK: owner 0 is EINVAL before the type check, EPERM after it.
  const un = MutexArgs.alloc({ owner: 0 });
  assert.equal(
    attempt(() => nt.ioctl(ev, NTSYNC_IOC_MUTEX_UNLOCK, un)).ret,
    "EINVAL",
  );
  // Object codes on the device fd and the reverse: ENOTTY (ntsync_char_ioctl(), ntsync_obj_ioctl()).
  assert.equal(
    attempt(() => nt.ioctl(dev, NTSYNC_IOC_SEM_READ, new Uint8Array(8))).ret,
    "ENOTTY",
  );
  assert.equal(
    attempt(() =>
      nt.ioctl(ev, NTSYNC_IOC_CREATE_SEM, SemArgs.alloc({ count: 0 }))
    ).ret,
    "ENOTTY",
  );
  assert.equal(attempt(() => nt.ioctl(dev, 0xc00c4e80, null)).ret, "ENOTTY");
  nt.close(ev);
  assert.equal(
    attempt(() => nt.ioctl(ev, NTSYNC_IOC_EVENT_READ, null)).ret,
    "EBADF",
  );
  assert.throws(() => nt.close(ev), { code: "EBADF" });
  // A misaligned, oversized view works: only the struct's bytes are used.
  const buf = new Uint8Array(12).fill(0xa5);
  new DataView(buf.buffer).setUint32(1, 5, true);
  new DataView(buf.buffer).setUint32(5, 9, true);
  const sem = fdOf(
    attempt(() => nt.ioctl(dev, NTSYNC_IOC_CREATE_SEM, buf.subarray(1))).value,
  );
  assert.deepEqual(readSem(nt, sem), [0, 5, 9]);
  // Creation writes nothing back.
  assert.deepEqual([...buf.subarray(9)], [0xa5, 0xa5, 0xa5]);
  // Lowest free fd: the closed event's number was reused.
  assert.equal(sem, ev);
});
