/**
 * `Backend.tryWait` and `Backend.waitAsync` on a {@linkcode WaitMemory}:
 * every wait case answers as `tryIoctl`/`ioctlAsync` on the memory's args
 * do (result, index written back, objects' states), on every backend; the
 * memory's own fd array is found however many addresses were taken since;
 * a detached memory faults; anything else is refused.
 *
 * @module
 */

import assert from "node:assert/strict";
import { EmulatedBackend } from "../core/emulated/backend.ts";
import { NtsyncError } from "../core/errors.ts";
import { WaitMemory } from "../core/wait_memory.ts";
import { backendsUnderTest } from "./_backends.ts";
import { assertTwoWaysAgree, type TwoWayCase } from "./_two_ways.ts";
import { Errno } from "../uapi/errno.ts";
import {
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
  NTSYNC_WAIT_REALTIME,
} from "../uapi/ioctl.ts";
import { MutexArgs, WAIT_WORD } from "../uapi/structs.ts";
import {
  createEvent,
  createMutex,
  createSem,
  readEvent,
  readMutex,
  readSem,
} from "../conformance/ops.ts";

/** What a case writes into the memory besides `objs`. */
interface Fields {
  count?: number;
  owner?: number;
  alert?: number;
  flags?: number;
  pad?: number;
  /** `objs` pointing elsewhere: another array's address, or any number. */
  objs?: bigint;
}

/** Write a poll (timeout 0) of `fds` into `memory`, index preset to 0xdeadbeef. */
function fill(memory: WaitMemory, fds: number[], f: Fields = {}): void {
  const w = memory.words;
  memory.objs.set(fds);
  w[WAIT_WORD.timeout] = 0;
  w[WAIT_WORD.timeout + 1] = 0;
  const objs = f.objs ??
    BigInt(memory.objsLow) + (BigInt(memory.objsHigh) << 32n);
  w[WAIT_WORD.objs] = Number(objs & 0xFFFF_FFFFn);
  w[WAIT_WORD.objs + 1] = Number(objs >> 32n);
  w[WAIT_WORD.count] = f.count ?? fds.length;
  w[WAIT_WORD.index] = 0xdead_beef;
  w[WAIT_WORD.flags] = f.flags ?? 0;
  w[WAIT_WORD.owner] = f.owner ?? 1;
  w[WAIT_WORD.alert] = f.alert ?? 0;
  w[WAIT_WORD.pad] = f.pad ?? 0;
}

type Wait = (dev: number, request: number, memory: WaitMemory) => number;

/** A case (see tests/_two_ways.ts), its waits made through one `Wait`. */
type Case = TwoWayCase<Wait>;

const ANY = NTSYNC_IOC_WAIT_ANY, ALL = NTSYNC_IOC_WAIT_ALL;

const CASES: Record<string, Case> = {
  "a poll that times out leaves index alone": (nt, dev, wait, own) => {
    const m = new WaitMemory(nt);
    fill(m, [own(createSem(nt, dev, 0, 1))]);
    return [wait(dev, ANY, m), m.words[WAIT_WORD.index]];
  },
  "acquires the first signaled object, writes index": (nt, dev, wait, own) => {
    const a = own(createSem(nt, dev, 0, 1));
    const b = own(createEvent(nt, dev, false, true));
    const c = own(createSem(nt, dev, 1, 1));
    const m = new WaitMemory(nt);
    fill(m, [a, b, c]);
    return [
      wait(dev, ANY, m),
      m.words[WAIT_WORD.index],
      readEvent(nt, b),
      readSem(nt, c),
    ];
  },
  "wait-all takes all at once": (nt, dev, wait, own) => {
    const a = own(createSem(nt, dev, 2, 2));
    const b = own(createMutex(nt, dev));
    const m = new WaitMemory(nt);
    fill(m, [a, b], { owner: 9 });
    return [
      wait(dev, ALL, m),
      m.words[WAIT_WORD.index],
      readSem(nt, a),
      readMutex(nt, b),
    ];
  },
  "EOWNERDEAD writes index": (nt, dev, wait, own) => {
    const mx = own(createMutex(nt, dev, 5, 1));
    nt.ioctl(mx, NTSYNC_IOC_MUTEX_KILL, MutexArgs.alloc({ owner: 5 }));
    const m = new WaitMemory(nt);
    fill(m, [mx], { owner: 6 });
    return [wait(dev, ANY, m), m.words[WAIT_WORD.index], readMutex(nt, mx)];
  },
  "the alert's index is the count": (nt, dev, wait, own) => {
    const a = own(createSem(nt, dev, 0, 1));
    const alert = own(createEvent(nt, dev, true, true));
    const m = new WaitMemory(nt);
    fill(m, [a], { alert });
    return [wait(dev, ANY, m), m.words[WAIT_WORD.index]];
  },
  "no objects: times out": (nt, dev, wait) => {
    const m = new WaitMemory(nt);
    fill(m, [], { count: 0 });
    return [wait(dev, ANY, m), wait(dev, ALL, m)];
  },
  "EINVAL: an object twice in a wait-all": (nt, dev, wait, own) => {
    const sem = own(createSem(nt, dev, 1, 1));
    const m = new WaitMemory(nt);
    fill(m, [sem, sem]);
    return [wait(dev, ALL, m), readSem(nt, sem)];
  },
  "EINVAL: pad, flags, owner 0, count 65": (nt, dev, wait, own) => {
    const sem = own(createSem(nt, dev, 1, 1));
    const m = new WaitMemory(nt);
    const seen = [];
    for (
      const f of [
        { pad: 1 },
        { flags: 2 },
        { flags: NTSYNC_WAIT_REALTIME | 4 },
        { owner: 0 },
        { count: 65 },
      ]
    ) {
      fill(m, [sem], f);
      seen.push(wait(dev, ANY, m));
    }
    return [...seen, readSem(nt, sem)];
  },
  "EFAULT: objs pointing at nothing, or NULL": (nt, dev, wait, own) => {
    const sem = own(createSem(nt, dev, 1, 1));
    const m = new WaitMemory(nt);
    fill(m, [sem], { objs: 0x1234_5678n });
    const far = wait(dev, ANY, m);
    fill(m, [sem], { objs: 0n });
    return [far, wait(dev, ANY, m), readSem(nt, sem)];
  },
  "objs pointing at another array is read there": (nt, dev, wait, own) => {
    const a = own(createSem(nt, dev, 0, 1));
    const b = own(createSem(nt, dev, 1, 1));
    const other = new Int32Array([b]);
    const m = new WaitMemory(nt);
    fill(m, [a], { objs: nt.addressOf(other) });
    return [wait(dev, ANY, m), readSem(nt, a), readSem(nt, b)];
  },
  "objs pointing one entry into its own array": (nt, dev, wait, own) => {
    const a = own(createSem(nt, dev, 1, 1));
    const b = own(createSem(nt, dev, 0, 1));
    const m = new WaitMemory(nt);
    const base = BigInt(m.objsLow) + (BigInt(m.objsHigh) << 32n);
    fill(m, [a, b], { objs: base + 4n, count: 1 });
    return [wait(dev, ANY, m), readSem(nt, a), readSem(nt, b)];
  },
  "EBADF, ENOTTY: the fd waited through": (nt, dev, wait, own) => {
    const sem = own(createSem(nt, dev, 1, 1));
    const m = new WaitMemory(nt);
    fill(m, [sem]);
    return [wait(-1, ANY, m), wait(sem, ANY, m), readSem(nt, sem)];
  },
  "another request is tryIoctl on the args": (nt, dev, wait, own) => {
    const sem = own(createSem(nt, dev, 2, 5));
    const m = new WaitMemory(nt);
    m.words[0] = 1;
    const released = wait(sem, NTSYNC_IOC_SEM_RELEASE, m);
    const prev = m.words[0];
    return [released, prev, wait(sem, NTSYNC_IOC_SEM_READ, m), m.words[0]];
  },
};

for (const nt of backendsUnderTest()) {
  Deno.test(`${nt.kind}: tryWait answers every wait as tryIoctl does`, () => {
    const viaArgs: Wait = (dev, request, m) =>
      nt.tryIoctl(dev, request, m.args);
    const viaMemory: Wait = (dev, request, m) => nt.tryWait(dev, request, m);
    assertTwoWaysAgree(nt, CASES, [viaArgs, viaMemory], [
      Errno.EBADF,
      Errno.ENOTTY,
      Errno.EINVAL,
      Errno.EFAULT,
      Errno.ETIMEDOUT,
      Errno.EOWNERDEAD,
    ]);
  });

  Deno.test(`${nt.kind}: a WaitMemory's fd array outlives 3000 newer addresses`, () => {
    const dev = nt.open();
    const sem = createSem(nt, dev, 2, 2);
    try {
      const m = new WaitMemory(nt);
      fill(m, [sem]);
      for (let i = 0; i < 3000; i++) nt.addressOf(new Int32Array(1));
      assert.equal(nt.tryWait(dev, ANY, m), 0);
      assert.equal(m.words[WAIT_WORD.index], 0);
      // Through its args alone the address may have been dropped (emulated:
      // the 1024 most recent are kept), as addressOf documents.
      const r = nt.tryIoctl(dev, ANY, m.args);
      assert.equal(r, nt.kind === "emulated" ? -Errno.EFAULT : 0);
    } finally {
      nt.close(sem);
      nt.close(dev);
    }
  });

  Deno.test(`${nt.kind}: a detached WaitMemory faults`, () => {
    const dev = nt.open();
    const sem = createSem(nt, dev, 2, 2);
    try {
      const args = new WaitMemory(nt);
      fill(args, [sem]);
      (args.args.buffer as ArrayBuffer).transfer();
      assert.equal(nt.tryWait(dev, ANY, args), -Errno.EFAULT);
      const objs = new WaitMemory(nt);
      fill(objs, [sem]);
      (objs.objs.buffer as ArrayBuffer).transfer();
      assert.equal(nt.tryWait(dev, ANY, objs), -Errno.EFAULT);
      assert.deepEqual(readSem(nt, sem), { count: 2, max: 2 });
    } finally {
      nt.close(sem);
      nt.close(dev);
    }
  });

  Deno.test(`${nt.kind}: tryWait and waitAsync refuse what is not a WaitMemory`, async () => {
    const dev = nt.open();
    try {
      const real = new WaitMemory(nt);
      const lookalike = {
        backend: nt,
        args: real.args,
        words: real.words,
        objs: real.objs,
        objsLow: real.objsLow,
        objsHigh: real.objsHigh,
      };
      const inherits = Object.create(real);
      for (const fake of [{}, null, lookalike, inherits, real.args]) {
        assert.throws(
          () => nt.tryWait(dev, ANY, fake as never),
          { name: "TypeError", message: /WaitMemory/ },
        );
        await assert.rejects(
          () => nt.waitAsync(dev, ANY, fake as never),
          { name: "TypeError", message: /WaitMemory/ },
        );
      }
      // Frozen: its views and address cannot be swapped.
      assert.ok(Object.isFrozen(real));
      assert.throws(() => {
        (real as { objs: Int32Array }).objs = new Int32Array(64);
      }, TypeError);
    } finally {
      nt.close(dev);
    }
  });

  Deno.test(`${nt.kind}: waitAsync answers as ioctlAsync does`, async () => {
    const dev = nt.open();
    const sem = createSem(nt, dev, 1, 2);
    try {
      const m = new WaitMemory(nt);
      fill(m, [sem]);
      assert.equal(await nt.waitAsync(dev, ANY, m), 0);
      assert.equal(m.words[WAIT_WORD.index], 0);
      await assert.rejects(
        () => nt.waitAsync(dev, ANY, m),
        (e) => e instanceof NtsyncError && e.errno === Errno.ETIMEDOUT,
      );
      fill(m, [sem], { owner: 0 });
      await assert.rejects(
        () => nt.waitAsync(dev, ANY, m),
        (e) => e instanceof NtsyncError && e.errno === Errno.EINVAL,
      );
      // A pending wait, woken by a release.
      fill(m, [sem]);
      m.words[WAIT_WORD.timeout] = 0xFFFF_FFFF;
      m.words[WAIT_WORD.timeout + 1] = 0xFFFF_FFFF;
      const pending = nt.waitAsync(dev, ANY, m);
      await new Promise((r) => setTimeout(r, 20));
      nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, new Uint32Array([1]));
      assert.equal(await pending, 0);
      assert.deepEqual(readSem(nt, sem), { count: 0, max: 2 });
      // Aborted before it acquires: rejects with the reason.
      const ctl = new AbortController();
      const aborted = nt.waitAsync(dev, ANY, m, { signal: ctl.signal });
      await new Promise((r) => setTimeout(r, 20));
      ctl.abort(new Error("stop"));
      await assert.rejects(aborted, /stop/);
    } finally {
      nt.close(sem);
      nt.close(dev);
    }
  });
}

Deno.test("emulated: a WaitMemory of another device is its args alone", () => {
  const here = EmulatedBackend.create(), there = EmulatedBackend.create();
  const dev = here.open();
  const sem = createSem(here, dev, 1, 1);
  const m = new WaitMemory(there);
  fill(m, [sem]);
  // Its address names nothing in this device's address space.
  assert.equal(here.tryIoctl(dev, ANY, m.args), -Errno.EFAULT);
  assert.equal(here.tryWait(dev, ANY, m), -Errno.EFAULT);
  assert.deepEqual(readSem(here, sem), { count: 1, max: 1 });
  here.close(sem);
  here.close(dev);
});
