import assert from "node:assert/strict";
import { devno, modeAllowsRead, octal, probeDevice } from "./device.ts";
import { probeDriver } from "./driver.ts";
import { probeKernel } from "./kernel.ts";
import { readIdentity } from "./users.ts";
import type { Finding } from "./finding.ts";
import {
  DEFAULT_DEVICE,
  type FakeMachine,
  fakeSystem,
} from "./testdata/fake_system.ts";

const ETC = {
  "/etc/passwd":
    "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n",
  "/etc/group": "root:x:0:\nalice:x:1000:\ngames:x:60:alice\n",
  "/proc/self/status": "Groups:\t1000\n",
};

async function deviceOf(m: FakeMachine) {
  using fake = fakeSystem({ ...m, files: { ...ETC, ...m.files } });
  const driver = probeDriver(fake.system, await probeKernel(fake.system));
  return probeDevice(fake.system, driver, readIdentity(fake.system));
}

const byId = (r: { findings: Finding[] }, id: string): Finding => {
  const f = r.findings.find((f) => f.id === id);
  assert.ok(f, `no finding ${id}`);
  return f;
};

Deno.test("devno and octal", () => {
  assert.equal(devno((10 << 8) | 125), "10:125");
  assert.equal(devno((259 << 8) | 3 | (0x1 << 20)), "259:259");
  assert.equal(octal(0o666), "0666");
  assert.equal(octal(0o600), "0600");
});

Deno.test("modeAllowsRead: owner, group, other, root", () => {
  const who = {
    uid: 1000,
    gid: 1000,
    gids: [1000, 60],
    userNames: new Map(),
    groupNames: new Map(),
    listedGroups: [],
  };
  assert.equal(
    modeAllowsRead({ ...DEFAULT_DEVICE, mode: 0o600, uid: 1000 }, who),
    true,
  );
  assert.equal(
    modeAllowsRead({ ...DEFAULT_DEVICE, mode: 0o066, uid: 1000 }, who),
    false,
  );
  assert.equal(
    modeAllowsRead({ ...DEFAULT_DEVICE, mode: 0o660, gid: 60 }, who),
    true,
  );
  assert.equal(modeAllowsRead({ ...DEFAULT_DEVICE, mode: 0o600 }, who), false);
  assert.equal(modeAllowsRead({ ...DEFAULT_DEVICE, mode: 0o604 }, who), true);
  assert.equal(
    modeAllowsRead({ ...DEFAULT_DEVICE, mode: 0o000 }, { ...who, uid: 0 }),
    true,
  );
  assert.equal(modeAllowsRead(DEFAULT_DEVICE, { ...who, uid: null }), null);
});

Deno.test("a 0666 device this user opens: ok, with names", async () => {
  const d = await deviceOf({
    device: {},
    files: { "/proc/misc": "125 ntsync\n" },
  });
  assert.equal(d.present, true);
  assert.equal(d.charDevice, true);
  assert.equal(d.mode, "0666");
  assert.equal(d.owner, "root (0)");
  assert.equal(d.group, "root (0)");
  assert.equal(d.devno, "10:125");
  assert.equal(d.modeAllows, true);
  assert.equal(d.openable, true);
  assert.deepEqual(d.findings.map((f) => f.status), ["ok", "ok"]);
});

Deno.test("no node and no driver: fail, emulation note", async () => {
  const d = await deviceOf({});
  assert.equal(d.present, false);
  assert.equal(d.openable, null);
  const f = byId(d, "device.present");
  assert.equal(f.status, "fail");
  assert.match(f.summary, /driver is not loaded/);
});

Deno.test("no node though the driver is registered: mknod with the minor", async () => {
  const d = await deviceOf({ files: { "/proc/misc": "57 ntsync\n" } });
  const f = byId(d, "device.present");
  assert.equal(f.status, "fail");
  assert.deepEqual(f.fix, ["sudo mknod -m 0666 /dev/ntsync c 10 57"]);
});

Deno.test("not a character device: fail", async () => {
  const d = await deviceOf({ files: { "/dev/ntsync": "oops" } });
  assert.equal(d.present, true);
  assert.equal(d.charDevice, false);
  assert.match(byId(d, "device.present").summary, /not a character device/);
});

Deno.test("0600 root: EACCES with chmod and udev rule", async () => {
  const d = await deviceOf({
    device: { mode: 0o600 },
    open: { ok: false, code: "EACCES", message: "Permission denied" },
  });
  assert.equal(d.modeAllows, false);
  assert.equal(d.openable, false);
  assert.equal(d.openError, "EACCES");
  const f = byId(d, "device.open");
  assert.equal(f.status, "fail");
  assert.match(f.summary, /permission denied for alice/);
  assert.match(f.fix![0], /chmod 0666/);
  assert.match(f.fix![1], /KERNEL=="ntsync", MODE="0666"/);
  assert.equal(f.fix!.length, 2); // no group to join: it has no group access
});

Deno.test("0660 group games, not a member: usermod", async () => {
  const d = await deviceOf({
    device: { mode: 0o660, gid: 61 },
    files: { "/etc/group": "root:x:0:\nntsync:x:61:\n" },
    open: { ok: false, code: "EACCES", message: "Permission denied" },
  });
  assert.match(byId(d, "device.open").fix![2], /usermod -aG ntsync alice/);
});

Deno.test("0660 group games, listed but not in this session: log in again", async () => {
  const d = await deviceOf({
    device: { mode: 0o660, gid: 60 },
    open: { ok: false, code: "EACCES", message: "Permission denied" },
  });
  assert.match(byId(d, "device.open").fix![2], /newgrp games/);
});

Deno.test("EPERM: container policy", async () => {
  const d = await deviceOf({
    device: {},
    open: { ok: false, code: "EPERM", message: "x" },
  });
  assert.match(byId(d, "device.open").fix![0], /--device \/dev\/ntsync/);
});

Deno.test("ENXIO: stale node", async () => {
  const d = await deviceOf({
    device: {},
    open: { ok: false, code: "ENXIO", message: "x" },
  });
  assert.match(byId(d, "device.open").summary, /no driver answers/);
});

Deno.test("stale device number against /proc/misc warns", async () => {
  const d = await deviceOf({
    device: { rdev: (10 << 8) | 60 },
    files: { "/proc/misc": "125 ntsync\n" },
  });
  assert.equal(byId(d, "device.stale").status, "warn");
});

Deno.test("stat refused by the OS: unknown, not absent", async () => {
  const d = await deviceOf({ device: {}, denied: ["/dev/ntsync"] });
  assert.equal(d.present, null);
  const f = byId(d, "device.present");
  assert.equal(f.status, "warn");
  assert.match(f.summary, /cannot stat/);
});

Deno.test("stat refused by Deno: unknown, fix is --allow-all", async () => {
  const d = await deviceOf({ device: {}, notCapable: ["/dev"] });
  assert.equal(d.present, null);
  const f = byId(d, "device.present");
  assert.equal(f.status, "warn");
  assert.match(f.fix![0], /--allow-all/);
});

Deno.test("open refused by Deno: warn, not a verdict on the device", async () => {
  const d = await deviceOf({
    device: {},
    open: { ok: false, code: "NOTCAPABLE", message: "Requires all access" },
  });
  const f = byId(d, "device.open");
  assert.equal(f.status, "warn");
  assert.match(f.fix![0], /--allow-all/);
});
