/**
 * Hostile memory that changes between calls: an argument or `objs` view
 * that worked once and is then detached (`buffer.transfer()`) or shrunk (a
 * resizable ArrayBuffer), or a sub-view of a registered array. A backend
 * that caches views or addresses between calls must still see the memory as
 * it is now: EFAULT once it is gone or too short, as the kernel faults on
 * an unmapped page. Each scenario runs on the model and on every backend,
 * and both must match the kernel's expected trace.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Backend } from "../../core/backend.ts";
import { backendsUnderTest } from "../_backends.ts";
import {
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
} from "../../uapi/ioctl.ts";
import { WaitArgs } from "../../uapi/structs.ts";
import { ModelBackend } from "../model/model.ts";
import { waitArgs } from "../../conformance/ops.ts";
import { attempt, createSem, fdOf, readSem } from "../_tuples.ts";

type Scenario = (nt: Backend, dev: number) => string[];

function ret(f: () => number): string {
  return String(attempt(f).ret);
}

/** A poll's args for `count` fds at a raw `address` (index preset). */
function pollAt(nt: Backend, address: bigint, count: number): DataView {
  return waitArgs(nt, [], {
    objsAddress: address,
    count,
    index: 0xdead_beef,
    owner: 1,
  }).args;
}

const SCENARIOS: Record<string, [Scenario, string[]]> = {
  "an argument view detached after a successful call": [(nt, dev) => {
    const sem = fdOf(createSem(nt, dev, 0, 5));
    const v = new Uint32Array([1]);
    const first = ret(() => nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, v));
    const prev = v[0];
    v.buffer.transfer();
    const second = ret(() => nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, v));
    return [first, `prev ${prev}`, second, readSem(nt, sem).join()];
  }, ["0", "prev 0", "EFAULT", "0,1,5"]],

  "an objs array detached after a successful wait": [(nt, dev) => {
    const sem = fdOf(createSem(nt, dev, 2, 2));
    const objs = new Int32Array([sem]);
    const address = nt.addressOf(objs);
    const args = pollAt(nt, address, 1);
    const first = ret(() => nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args));
    objs.buffer.transfer();
    const again = pollAt(nt, address, 1);
    const second = ret(() => nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, again));
    return [
      first,
      second,
      `index ${WaitArgs.read(again).index}`,
      readSem(nt, sem).join(),
    ];
  }, ["0", "EFAULT", "index 3735928559", "0,1,2"]],

  "a resizable argument buffer shrunk below the struct": [(nt, dev) => {
    const rab = new ArrayBuffer(8, { maxByteLength: 64 });
    const v = new Uint8Array(rab); // length-tracking
    new DataView(rab).setUint32(0, 1, true);
    new DataView(rab).setUint32(4, 2, true);
    const sem = nt.ioctl(dev, NTSYNC_IOC_CREATE_SEM, v);
    rab.resize(4);
    const shrunk = ret(() => nt.ioctl(sem, NTSYNC_IOC_SEM_READ, v));
    rab.resize(8);
    const grown = ret(() => nt.ioctl(sem, NTSYNC_IOC_SEM_READ, v));
    const dv = new DataView(rab);
    return [shrunk, grown, `${dv.getUint32(0, true)},${dv.getUint32(4, true)}`];
  }, ["EFAULT", "0", "1,2"]],

  "a resizable objs array shrunk below count": [(nt, dev) => {
    const s1 = fdOf(createSem(nt, dev, 3, 3));
    const s2 = fdOf(createSem(nt, dev, 3, 3));
    const rab = new ArrayBuffer(8, { maxByteLength: 64 });
    const objs = new Int32Array(rab); // length-tracking
    objs.set([s1, s2]);
    const address = nt.addressOf(objs);
    const r = [
      ret(() => nt.ioctl(dev, NTSYNC_IOC_WAIT_ALL, pollAt(nt, address, 2))),
    ];
    rab.resize(4);
    r.push(
      ret(() => nt.ioctl(dev, NTSYNC_IOC_WAIT_ALL, pollAt(nt, address, 2))),
    );
    r.push(
      ret(() => nt.ioctl(dev, NTSYNC_IOC_WAIT_ALL, pollAt(nt, address, 1))),
    );
    rab.resize(8); // the new entry reads as fd 0: not an ntsync object
    r.push(
      ret(() => nt.ioctl(dev, NTSYNC_IOC_WAIT_ALL, pollAt(nt, address, 2))),
    );
    r.push(readSem(nt, s1).join(), readSem(nt, s2).join());
    return r;
  }, ["0", "EFAULT", "0", "EINVAL", "0,1,3", "0,2,3"]],

  "a sub-view of an objs array is its own live view": [(nt, dev) => {
    const empty = fdOf(createSem(nt, dev, 0, 1));
    const full = fdOf(createSem(nt, dev, 1, 1));
    const objs = new Int32Array([empty, empty, full]);
    const tail = objs.subarray(2);
    const r = [
      ret(() =>
        nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, pollAt(nt, nt.addressOf(tail), 2))
      ),
    ];
    const args = pollAt(nt, nt.addressOf(tail), 1);
    r.push(ret(() => nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args)));
    r.push(`index ${WaitArgs.read(args).index}`, readSem(nt, full).join());
    return r;
  }, ["EFAULT", "0", "index 0", "0,0,1"]],

  "a wait's argument view detached after a successful wait": [(nt, dev) => {
    const sem = fdOf(createSem(nt, dev, 2, 2));
    const objs = new Int32Array([sem]);
    const args = pollAt(nt, nt.addressOf(objs), 1);
    const first = ret(() => nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args));
    (args.buffer as ArrayBuffer).transfer();
    const second = ret(() => nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args));
    return [first, second, readSem(nt, sem).join()];
  }, ["0", "EFAULT", "0,1,2"]],

  "a fixed-length argument DataView left out of bounds by a resize": [
    (nt, dev) => {
      const sem = fdOf(createSem(nt, dev, 2, 2));
      const objs = new Int32Array([sem]);
      const rab = new ArrayBuffer(WaitArgs.size, { maxByteLength: 64 });
      const args = new DataView(rab, 0, WaitArgs.size); // not length-tracking
      WaitArgs.write(args, {
        timeout: nt.now(),
        objs: nt.addressOf(objs),
        count: 1,
        owner: 1,
      });
      const first = ret(() => nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args));
      rab.resize(8); // reading args.byteLength now throws a TypeError
      const second = ret(() => nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args));
      return [first, second, readSem(nt, sem).join()];
    },
    ["0", "EFAULT", "0,1,2"],
  ],

  "one argument view reused for requests of different sizes": [(nt, dev) => {
    const sem = fdOf(createSem(nt, dev, 1, 4));
    const v = new Uint8Array(8).fill(0xa5);
    const r = [ret(() => nt.ioctl(sem, NTSYNC_IOC_SEM_READ, v))];
    r.push(Array.from(v).join());
    new DataView(v.buffer).setUint32(0, 2, true);
    r.push(ret(() => nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, v)));
    r.push(Array.from(v).join());
    r.push(ret(() => nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, v.subarray(0, 3))));
    return r;
  }, ["0", "1,0,0,0,4,0,0,0", "0", "1,0,0,0,4,0,0,0", "EFAULT"]],
};

function play(nt: Backend, scenario: Scenario): string[] {
  return scenario(nt, nt.open());
}

for (const backend of backendsUnderTest()) {
  for (const [name, [scenario, expected]] of Object.entries(SCENARIOS)) {
    Deno.test(`hostile memory on ${backend.kind}: ${name}`, () => {
      const opened = trackFds(backend);
      try {
        assert.deepEqual(play(new ModelBackend(), scenario), expected, "model");
        assert.deepEqual(
          play(opened.backend, scenario),
          expected,
          backend.kind,
        );
      } finally {
        opened.closeAll();
      }
    });
  }
}

/** A view of `backend` that remembers every fd it hands out, to close them. */
function trackFds(backend: Backend): { backend: Backend; closeAll(): void } {
  const fds: number[] = [];
  const tracked: Backend = Object.create(backend);
  tracked.open = () => {
    const fd = backend.open();
    fds.push(fd);
    return fd;
  };
  tracked.ioctl = (fd, request, arg) => {
    const r = backend.ioctl(fd, request, arg);
    if (r > 0) fds.push(r);
    return r;
  };
  tracked.addressOf = (objs) => backend.addressOf(objs);
  tracked.now = (clock) => backend.now(clock);
  return {
    backend: tracked,
    closeAll() {
      for (const fd of fds.reverse()) {
        try {
          backend.close(fd);
        } catch {
          // closed by the scenario
        }
      }
    },
  };
}
