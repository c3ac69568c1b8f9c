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
