/**
 * A WAIT_ANY on one object with an alert, on every backend and for each
 * object kind: the object wins when both are signaled at wait start, the
 * alert is resolved (EINVAL for anything but an object of this device)
 * before anything is acquired, and a poll with neither times out. The
 * emulated engine takes a lock-free path when the object is free at once
 * (tests/engine/alert_fast_test.ts); these are what callers see of it.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Backend } from "../core/backend.ts";
import { backendsUnderTest } from "./_backends.ts";
import { Errno } from "../uapi/errno.ts";
import { NTSYNC_IOC_WAIT_ALL, NTSYNC_IOC_WAIT_ANY } from "../uapi/ioctl.ts";
import { WaitArgs } from "../uapi/structs.ts";
import {
  createEvent,
  createMutex,
  createSem,
  readEvent,
  readMutex,
  readSem,
  waitArgs,
} from "../conformance/ops.ts";

const OWNER = 7;

/** One free object of each kind, and how to read its state. */
const KINDS: Record<
  string,
  (nt: Backend, dev: number) => { fd: number; state: () => unknown }
> = {
  semaphore: (nt, dev) => {
    const fd = createSem(nt, dev, 1, 2);
    return { fd, state: () => readSem(nt, fd) };
  },
  mutex: (nt, dev) => {
    const fd = createMutex(nt, dev);
    return { fd, state: () => readMutex(nt, fd) };
  },
  event: (nt, dev) => {
    const fd = createEvent(nt, dev, false, true);
    return { fd, state: () => readEvent(nt, fd) };
  },
};

/** WAIT_ANY (or WAIT_ALL) poll of `fds` with `alert`: [result, index]. */
function poll(
  nt: Backend,
  dev: number,
  fds: number[],
  alert: number,
  request = NTSYNC_IOC_WAIT_ANY,
): [number, number] {
  const w = waitArgs(nt, fds, {
    timeout: 0n,
    owner: OWNER,
    alert,
    index: 0xdead,
  });
  return [nt.tryIoctl(dev, request, w.args), WaitArgs.read(w.args).index];
}

for (const nt of backendsUnderTest()) {
  for (const [kind, make] of Object.entries(KINDS)) {
    Deno.test(`${nt.kind}: alert wait on a free ${kind}: the object wins`, () => {
      const dev = nt.open(), fds: number[] = [dev];
      try {
        const obj = make(nt, dev);
        fds.push(obj.fd);
        const alert = createEvent(nt, dev, false, true);
        fds.push(alert);
        assert.deepEqual(poll(nt, dev, [obj.fd], alert), [0, 0]);
        // The alert was not consumed; the object was.
        assert.deepEqual(readEvent(nt, alert), {
          signaled: true,
          manual: false,
        });
        const taken = obj.state();
        // Taken again: now only the alert is signaled, and it wins.
        const again = poll(nt, dev, [obj.fd], alert);
        if (kind === "mutex") {
          // Held by OWNER: a recursive acquisition, still the object.
          assert.deepEqual(again, [0, 0]);
        } else {
          assert.deepEqual(again, [0, 1]);
          assert.deepEqual(readEvent(nt, alert), {
            signaled: false,
            manual: false,
          });
          assert.deepEqual(obj.state(), taken);
          // Neither: a poll times out and writes no index.
          assert.deepEqual(poll(nt, dev, [obj.fd], alert), [
            -Errno.ETIMEDOUT,
            0xdead,
          ]);
        }
      } finally {
        for (const fd of fds.reverse()) nt.close(fd);
      }
    });

    Deno.test(`${nt.kind}: alert wait on a free ${kind}: a bad alert is EINVAL, nothing taken`, () => {
      const dev = nt.open(), other = nt.open(), fds: number[] = [dev, other];
      try {
        const obj = make(nt, dev);
        fds.push(obj.fd);
        const before = obj.state();
        const closed = createEvent(nt, dev, true, true);
        nt.close(closed);
        const foreign = createEvent(nt, other, true, true);
        fds.push(foreign);
        for (const alert of [closed, foreign, dev, 1, 0x7fff_0000]) {
          assert.deepEqual(
            poll(nt, dev, [obj.fd], alert),
            [-Errno.EINVAL, 0xdead],
            `alert ${alert}`,
          );
          assert.deepEqual(obj.state(), before);
        }
      } finally {
        for (const fd of fds.reverse()) nt.close(fd);
      }
    });

    Deno.test(`${nt.kind}: alert wait on a free ${kind}: any object kind is an alert, itself included`, () => {
      const dev = nt.open(), fds: number[] = [dev];
      try {
        const obj = make(nt, dev);
        fds.push(obj.fd);
        const sem = createSem(nt, dev, 0, 1), mutex = createMutex(nt, dev);
        fds.push(sem, mutex);
        assert.deepEqual(poll(nt, dev, [obj.fd], sem), [0, 0]);
        const second = make(nt, dev);
        fds.push(second.fd);
        assert.deepEqual(poll(nt, dev, [second.fd], mutex), [0, 0]);
        assert.deepEqual(readMutex(nt, mutex), {
          owner: 0,
          count: 0,
          abandoned: false,
        });
        const third = make(nt, dev);
        fds.push(third.fd);
        assert.deepEqual(poll(nt, dev, [third.fd], third.fd), [0, 0]);
        // A wait-all may not name its alert among its objects.
        const fourth = make(nt, dev);
        fds.push(fourth.fd);
        const before = fourth.state();
        assert.deepEqual(
          poll(nt, dev, [fourth.fd], fourth.fd, NTSYNC_IOC_WAIT_ALL),
          [-Errno.EINVAL, 0xdead],
        );
        assert.deepEqual(fourth.state(), before);
      } finally {
        for (const fd of fds.reverse()) nt.close(fd);
      }
    });
  }
}
