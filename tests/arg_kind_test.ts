/**
 * Bad arguments at the ioctl surface, on every backend: an argument that
 * is not memory at all (`{}`, a plain array, a Proxy, a number) is a
 * TypeError naming it, before anything changes; `null` is a NULL pointer,
 * which the kernel faults on at its own point (EVENT_SET still sets the
 * event, then EFAULT); an `objs` address another backend or device handed
 * out is EFAULT, never another array.
 *
 * @module
 */

import assert from "node:assert/strict";
import { NtsyncError } from "../core/errors.ts";
import { EmulatedBackend } from "../core/emulated/backend.ts";
import { backendsUnderTest } from "./_backends.ts";
import {
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ANY,
} from "../uapi/ioctl.ts";
import { WaitArgs } from "../uapi/structs.ts";
import {
  createEvent,
  createSem,
  readEvent,
  readSem,
} from "../conformance/ops.ts";

const NOT_VIEWS: [string, unknown][] = [
  ["{}", {}],
  ["a plain array", [1, 0]],
  ["a Proxy of a view", new Proxy(new Uint32Array(2), {})],
  ["a number", 8],
  ["a string", "xxxxxxxx"],
];

for (const nt of backendsUnderTest()) {
  Deno.test(`${nt.kind}: an argument that is not a view is a TypeError naming it, with no state change`, async () => {
    const dev = nt.open();
    const ev = createEvent(nt, dev, true, false);
    const s = createSem(nt, dev, 0, 5);
    try {
      for (const [what, arg] of NOT_VIEWS) {
        const bad = arg as ArrayBufferView;
        const calls: [string, () => unknown][] = [
          ["ioctl EVENT_SET", () => nt.ioctl(ev, NTSYNC_IOC_EVENT_SET, bad)],
          ["ioctl SEM_RELEASE", () => nt.ioctl(s, NTSYNC_IOC_SEM_RELEASE, bad)],
          ["ioctl CREATE_SEM", () => nt.ioctl(dev, NTSYNC_IOC_CREATE_SEM, bad)],
          ["ioctl WAIT_ANY", () => nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, bad)],
        ];
        if (nt.tryIoctl) {
          calls.push([
            "tryIoctl EVENT_SET",
            () => nt.tryIoctl!(ev, NTSYNC_IOC_EVENT_SET, bad),
          ]);
        }
        for (const [call, fn] of calls) {
          assert.throws(fn, (err: unknown) => {
            assert.ok(err instanceof TypeError, `${call}(${what}): ${err}`);
            assert.match(err.message, /\barg\b/, `${call}(${what})`);
            return true;
          });
        }
        await assert.rejects(
          () => nt.ioctlAsync(dev, NTSYNC_IOC_WAIT_ANY, bad),
          TypeError,
          `ioctlAsync WAIT_ANY(${what})`,
        );
        assert.equal(readEvent(nt, ev).signaled, false, `EVENT_SET(${what})`);
        assert.deepEqual(readSem(nt, s), { count: 0, max: 5 });
      }
      // null: the kernel's NULL pointer, EFAULT at its point: the event is
      // set first.
      assert.throws(
        () => nt.ioctl(ev, NTSYNC_IOC_EVENT_SET, null),
        (err: unknown) => err instanceof NtsyncError && err.code === "EFAULT",
      );
      assert.equal(readEvent(nt, ev).signaled, true);
    } finally {
      nt.close(s);
      nt.close(ev);
      nt.close(dev);
    }
  });

  Deno.test(`${nt.kind}: an objs address from another backend or device is EFAULT`, () => {
    const dev = nt.open();
    const s = createSem(nt, dev, 5, 5);
    const others = [EmulatedBackend.create(), EmulatedBackend.create()];
    try {
      for (const other of others) {
        if (other === nt) continue;
        // The other device's array names an fd that is valid here too.
        const objs = new Int32Array([s]);
        const args = WaitArgs.alloc({
          timeout: 0n,
          objs: other.addressOf(objs),
          count: 1,
          owner: 1,
        });
        assert.throws(
          () => nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args),
          (err: unknown) => err instanceof NtsyncError && err.code === "EFAULT",
        );
      }
      // And this backend's own address of an array still works.
      const mine = new Int32Array([s]);
      nt.ioctl(
        dev,
        NTSYNC_IOC_WAIT_ANY,
        WaitArgs.alloc({
          timeout: 0n,
          objs: nt.addressOf(mine),
          count: 1,
          owner: 1,
        }),
      );
      assert.equal(readSem(nt, s).count, 4, "only the valid wait took one");
    } finally {
      nt.close(s);
      nt.close(dev);
    }
  });
}
