/**
 * Every kind of view a caller passes reaches the backend as the bytes it
 * covers now: typed arrays of each width, views at an offset, several
 * alternating, and views over buffers that change length. The emulated
 * backend remembers the DataView it made for each typed array (so that hot
 * loops do not allocate): a remembered view must never outlive the length
 * it was made for. A length-tracking view over a growable
 * `SharedArrayBuffer` used to keep its first length (EFAULT after `grow()`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { backendsUnderTest } from "./_backends.ts";
import {
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ANY,
  NTSYNC_WAIT_ARGS_SIZE,
} from "../uapi/ioctl.ts";
import { WaitArgs } from "../uapi/structs.ts";
import { Errno } from "../uapi/errno.ts";
import { createSem, readSem } from "../conformance/ops.ts";
import { errnoOf } from "./native/_errors.ts";
import type { Backend } from "../core/backend.ts";
import { IdentityCache } from "../core/arg_views.ts";

/** Poll args for `sem` (0 timeout), written into `view` at its start. */
function pollInto(
  nt: Backend,
  sem: number,
  objs: Int32Array,
  view: Uint8Array,
) {
  objs[0] = sem;
  const args = WaitArgs.alloc({
    timeout: 0n,
    objs: nt.addressOf(objs),
    count: 1,
    owner: 1,
  });
  view.set(new Uint8Array(args.buffer, 0, NTSYNC_WAIT_ARGS_SIZE));
}

for (const nt of backendsUnderTest()) {
  Deno.test(`arg views: ${nt.kind}: a length-tracking view over a growable SharedArrayBuffer sees each grow()`, () => {
    const dev = nt.open();
    const sem = createSem(nt, dev, 0, 9);
    try {
      // SEM_RELEASE's argument is one __u32.
      const sab = new SharedArrayBuffer(2, { maxByteLength: 64 });
      const count = new Uint16Array(sab); // tracks the buffer's length
      count[0] = 1;
      assert.equal(
        errnoOf(() => nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, count)),
        Errno.EFAULT,
      );
      sab.grow(4);
      count[0] = 2;
      nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, count);
      assert.equal(count[0], 0, "the previous count, written back");
      assert.equal(readSem(nt, sem).count, 2);

      const objs = new Int32Array(1);
      const wsab = new SharedArrayBuffer(32, { maxByteLength: 64 });
      const wait = new Uint8Array(wsab); // tracks too
      assert.equal(
        errnoOf(() => nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, wait)),
        Errno.EFAULT,
      );
      wsab.grow(NTSYNC_WAIT_ARGS_SIZE);
      pollInto(nt, sem, objs, wait);
      assert.equal(nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, wait), 0);
      assert.equal(readSem(nt, sem).count, 1);
    } finally {
      nt.close(sem);
      nt.close(dev);
    }
  });

  Deno.test(`arg views: ${nt.kind}: a length-tracking view over a resizable ArrayBuffer sees each resize()`, () => {
    const dev = nt.open();
    const sem = createSem(nt, dev, 0, 9);
    try {
      const buffer = new ArrayBuffer(4, { maxByteLength: 64 });
      const count = new Uint16Array(buffer);
      count[0] = 1;
      nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, count);
      buffer.resize(2);
      count[0] = 1;
      assert.equal(
        errnoOf(() => nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, count)),
        Errno.EFAULT,
      );
      buffer.resize(0);
      assert.equal(
        errnoOf(() => nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, count)),
        Errno.EFAULT,
      );
      buffer.resize(4);
      count[0] = 1;
      nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, count);
      assert.equal(count[0], 1, "the previous count, written back");
      assert.equal(readSem(nt, sem).count, 2);
    } finally {
      nt.close(sem);
      nt.close(dev);
    }
  });

  Deno.test(`arg views: ${nt.kind}: typed arrays of every width and offset, alternating, each read as it is now`, () => {
    const dev = nt.open();
    const a = createSem(nt, dev, 0, 100);
    const b = createSem(nt, dev, 0, 100);
    try {
      const ra = new Uint32Array(2);
      const rb = new Uint8Array(new ArrayBuffer(11), 3, 8); // unaligned
      const pa = new Int32Array(new ArrayBuffer(48), 8, 10);
      const pb = new Uint8Array(NTSYNC_WAIT_ARGS_SIZE);
      const objsA = new Int32Array(1), objsB = new Int32Array(1);
      pollInto(nt, a, objsA, new Uint8Array(pa.buffer, pa.byteOffset, 40));
      pollInto(nt, b, objsB, pb);
      for (let i = 1; i <= 5; i++) {
        ra[0] = i; // a different count each time: read now, not remembered
        nt.ioctl(a, NTSYNC_IOC_SEM_RELEASE, ra);
        rb[0] = 2 * i;
        nt.ioctl(b, NTSYNC_IOC_SEM_RELEASE, rb);
        assert.equal(nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, pa), 0);
        assert.equal(nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, pb), 0);
      }
      assert.equal(readSem(nt, a).count, 15 - 5);
      assert.equal(readSem(nt, b).count, 30 - 5);
      structuredClone(rb.buffer, { transfer: [rb.buffer] });
      assert.equal(
        errnoOf(() => nt.ioctl(b, NTSYNC_IOC_SEM_RELEASE, rb)),
        Errno.EFAULT,
      );
    } finally {
      nt.close(a);
      nt.close(b);
      nt.close(dev);
    }
  });
}

Deno.test("IdentityCache: every key gives its own value, however many and in whatever order", () => {
  const cache = new IdentityCache<object, number>();
  const keys = Array.from({ length: 100 }, () => ({}));
  keys.forEach((k, i) => cache.set(k, i));
  const orders = [
    keys.map((_, i) => i),
    keys.map((_, i) => 99 - i),
    keys.map((_, i) => (i * 37) % 100),
  ];
  for (const order of orders) {
    for (const i of order) assert.equal(cache.get(keys[i]), i);
  }
  // A value set again is the one found, in the slots or behind them.
  for (const i of [99, 0, 50]) cache.set(keys[i], -i - 1);
  for (const i of [99, 0, 50]) assert.equal(cache.get(keys[i]), -i - 1);
  assert.equal(cache.get({}), undefined);
});
