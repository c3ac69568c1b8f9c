import assert from "node:assert/strict";
import { EmulatedBackend } from "../../core/emulated/backend.ts";
import { NTSYNC_IOC_WAIT_ANY, WaitArgs } from "../../mod.ts";
import { sem, semState, throwsErrno } from "./_util.ts";

function setup() {
  const nt = EmulatedBackend.create();
  const dev = nt.open();
  const s = sem(nt, dev, 5, 5);
  return { nt, dev, s };
}

Deno.test("addresses: the same view has the same address; others differ", () => {
  const { nt } = setup();
  const a = new Int32Array(4), b = new Uint32Array(4);
  assert.equal(nt.addressOf(a), nt.addressOf(a));
  assert.notEqual(nt.addressOf(a), nt.addressOf(b));
  assert.throws(() => nt.addressOf([1, 2] as unknown as Int32Array), TypeError);
});

Deno.test("addresses: an interior pointer reads from that element on", () => {
  const { nt, dev, s } = setup();
  const objs = new Int32Array([-1, s]);
  const args = WaitArgs.alloc({
    timeout: 0n,
    objs: nt.addressOf(objs) + 4n,
    count: 1,
    owner: 1,
  });
  nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args);
  assert.equal(WaitArgs.read(args).index, 0);
  assert.equal(semState(nt, s).count, 4);
});

Deno.test("addresses: unknown, short and detached memory are EFAULT", () => {
  const { nt, dev, s } = setup();
  const objs = new Int32Array([s, s]);
  const wait = (objsAddr: bigint, count: number) =>
    nt.ioctl(
      dev,
      NTSYNC_IOC_WAIT_ANY,
      WaitArgs.alloc({ timeout: 0n, objs: objsAddr, count, owner: 1 }),
    );
  throwsErrno(() => wait(0x1000n, 1), "EFAULT");
  throwsErrno(() => wait(nt.addressOf(objs), 3), "EFAULT");
  throwsErrno(() => wait(nt.addressOf(objs) + 4n, 2), "EFAULT");
  const buf = new ArrayBuffer(8);
  const moving = new Int32Array(buf);
  moving[0] = s;
  const addr = nt.addressOf(moving);
  buf.transfer();
  throwsErrno(() => wait(addr, 1), "EFAULT");
  assert.equal(semState(nt, s).count, 5, "no failed wait took anything");
});

Deno.test("addresses: a view that can grow keeps room for its growth (no alias after grow)", () => {
  const { nt, dev, s } = setup();
  const other = sem(nt, dev, 5, 5);
  for (
    const buffer of [
      new ArrayBuffer(4, { maxByteLength: 65536 }),
      new SharedArrayBuffer(4, { maxByteLength: 65536 }),
    ]
  ) {
    const growing = new Int32Array(buffer); // length-tracking
    growing[0] = s;
    const base = nt.addressOf(growing);
    const next = new Int32Array([other, other]);
    const nextBase = nt.addressOf(next);
    // Another view's addresses start beyond all the growing one may become.
    // (Past the 4 KiB gap between mappings: a reservation of the current
    // length alone put the next view inside what this one grows into.)
    assert.ok(nextBase >= base + 65536n, `${nextBase} inside ${base}+65536`);
    (buffer as ArrayBuffer).resize?.(16);
    (buffer as SharedArrayBuffer).grow?.(16);
    growing[3] = s;
    // Its fourth element, grown in, reads from itself: the first semaphore.
    const before = semState(nt, s).count;
    const args = WaitArgs.alloc({
      timeout: 0n,
      objs: base + 12n,
      count: 1,
      owner: 1,
    });
    nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args);
    assert.equal(semState(nt, s).count, before - 1);
    assert.equal(semState(nt, other).count, 5);
  }
});

Deno.test("addresses: loops over several fd arrays in turn read each one's own", () => {
  const { nt, dev } = setup();
  const s = sem(nt, dev, 10, 10), t = sem(nt, dev, 10, 10);
  // 10 arrays: more than the reads it remembers, waited on in turn.
  const arrays = Array.from(
    { length: 10 },
    (_, i) => new Int32Array([i % 2 ? t : s]),
  );
  const args = arrays.map((objs) =>
    WaitArgs.alloc({
      timeout: 0n,
      objs: nt.addressOf(objs),
      count: 1,
      owner: 1,
    })
  );
  for (let round = 0; round < 2; round++) {
    for (const a of args) nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, a);
  }
  // Each round polls each semaphore 5 times.
  assert.equal(semState(nt, s).count, 0);
  assert.equal(semState(nt, t).count, 0);
});
