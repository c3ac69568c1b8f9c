import assert from "node:assert/strict";
import {
  LOAD_AT_BOOT,
  loadedModuleLine,
  miscMinor,
  MODPROBE,
  namesNtsync,
  probeDriver,
} from "./driver.ts";
import { probeKernel } from "./kernel.ts";
import { type FakeMachine, fakeSystem } from "./testdata/fake_system.ts";

const R = "6.14.0-1-amd64";
const LIB = `/lib/modules/${R}`;

async function driverOf(m: FakeMachine) {
  using fake = fakeSystem({ release: R, ...m });
  return probeDriver(fake.system, await probeKernel(fake.system));
}

function statuses(r: { findings: { id: string; status: string }[] }) {
  return Object.fromEntries(r.findings.map((f) => [f.id, f.status]));
}

Deno.test("parsers: /proc/modules, /proc/misc, modules-load.d", () => {
  assert.equal(
    loadedModuleLine("snd 1 0 - Live 0x0\nntsync 28672 0 - Live 0x0\n"),
    "ntsync 28672 0 - Live 0x0",
  );
  assert.equal(loadedModuleLine("ntsync_x 1 0 - Live 0\n"), undefined);
  assert.equal(miscMinor(" 60 ntsync\n183 hw_random\n"), 60);
  assert.equal(miscMinor("183 hw_random\n"), null);
  assert.equal(namesNtsync("# comment\nntsync # for wine\n"), true);
  assert.equal(namesNtsync("# ntsync\nntsyncx\n"), false);
});

Deno.test("module on disk, not loaded: fail with modprobe and boot fix", async () => {
  const d = await driverOf({
    files: {
      [`${LIB}/kernel/drivers/misc/ntsync.ko.xz`]: "",
      [`${LIB}/modules.builtin`]: "",
    },
  });
  assert.equal(d.kind, "module");
  assert.equal(d.moduleFile, "kernel/drivers/misc/ntsync.ko.xz");
  assert.equal(d.loaded, false);
  const f = d.findings.find((x) => x.id === "driver.kind")!;
  assert.equal(f.status, "fail");
  assert.equal(f.fix![0], MODPROBE);
  assert.match(f.fix![1], /modules-load\.d\/ntsync\.conf/);
});

Deno.test("module loaded and registered, not at boot: ok plus boot hint", async () => {
  const d = await driverOf({
    files: {
      [`${LIB}/kernel/drivers/misc/ntsync.ko.zst`]: "",
      "/proc/modules": "ntsync 28672 0 - Live 0xffffffffc0a00000\n",
      "/proc/misc": "125 ntsync\n",
    },
    dirs: ["/sys/module/ntsync"],
  });
  assert.equal(d.kind, "module");
  assert.equal(d.loaded, true);
  assert.equal(d.miscMinor, 125);
  assert.deepEqual(statuses(d), {
    "driver.kind": "ok",
    "driver.boot": "info",
    "driver.misc": "ok",
  });
  assert.deepEqual(d.findings.find((f) => f.id === "driver.boot")!.fix, [
    LOAD_AT_BOOT,
  ]);
});

Deno.test("loaded at boot through modules-load.d", async () => {
  const d = await driverOf({
    files: {
      [`${LIB}/kernel/drivers/misc/ntsync.ko`]: "",
      "/proc/modules": "ntsync 28672 0 - Live 0x0\n",
      "/proc/misc": "125 ntsync\n",
      "/etc/modules-load.d/ntsync.conf": "ntsync\n",
      "/etc/modules-load.d/other.conf": "loop\n",
    },
  });
  assert.deepEqual(d.loadAtBoot, ["/etc/modules-load.d/ntsync.conf"]);
  assert.equal(statuses(d)["driver.boot"], "ok");
});

Deno.test("a DKMS module is found through modules.dep", async () => {
  const d = await driverOf({
    files: {
      [`${LIB}/modules.dep`]: "updates/dkms/ntsync.ko.xz:\nkernel/fs/x.ko:\n",
    },
  });
  assert.equal(d.kind, "module");
  assert.equal(d.moduleFile, "updates/dkms/ntsync.ko.xz");
});

Deno.test("built in (modules.builtin): loaded by definition", async () => {
  const d = await driverOf({
    files: {
      [`${LIB}/modules.builtin`]: "kernel/drivers/misc/ntsync.ko\n",
      "/proc/misc": "58 ntsync\n",
    },
  });
  assert.equal(d.kind, "builtin");
  assert.equal(d.loaded, true);
  assert.deepEqual(statuses(d), { "driver.kind": "ok", "driver.misc": "ok" });
});

Deno.test("built in per CONFIG_NTSYNC=y without a module tree", async () => {
  const d = await driverOf({
    files: { [`/boot/config-${R}`]: "CONFIG_NTSYNC=y\n" },
  });
  assert.equal(d.kind, "builtin");
});

Deno.test("absent from a 6.14 kernel's module tree: fail, boot another kernel", async () => {
  const d = await driverOf({
    files: { [`${LIB}/modules.builtin`]: "kernel/fs/ext4.ko\n" },
  });
  assert.equal(d.kind, "missing");
  const f = d.findings[0];
  assert.equal(f.status, "fail");
  assert.match(f.fix![0], /CONFIG_NTSYNC=m/);
});

Deno.test("absent on an old kernel: fix says upgrade", async () => {
  using fake = fakeSystem({
    release: "6.1.0-28-amd64",
    files: { "/lib/modules/6.1.0-28-amd64/modules.builtin": "" },
  });
  const d = probeDriver(fake.system, await probeKernel(fake.system));
  assert.equal(d.kind, "missing");
  assert.match(d.findings[0].fix![0], /Upgrade to Linux 6\.14/);
});

Deno.test("no module tree and no config: unknown, warn", async () => {
  const d = await driverOf({});
  assert.equal(d.kind, "unknown");
  assert.equal(d.loaded, false);
  assert.equal(d.findings[0].status, "warn");
});

Deno.test("a container: the note points at the host and --device", async () => {
  const d = await driverOf({
    files: {
      "/.dockerenv": "",
      [`/boot/config-${R}`]: "# CONFIG_NTSYNC is not set\n",
    },
  });
  assert.equal(d.container, true);
  assert.equal(d.kind, "missing");
  assert.match(d.findings[0].detail!, /--device \/dev\/ntsync/);
});

Deno.test("a registered misc device proves a driver the files do not show", async () => {
  const d = await driverOf({ files: { "/proc/misc": "125 ntsync\n" } });
  assert.equal(d.kind, "builtin");
  assert.equal(d.loaded, true);
});

Deno.test("loaded but not registered: warn to check dmesg", async () => {
  const d = await driverOf({
    files: {
      [`${LIB}/kernel/drivers/misc/ntsync.ko`]: "",
      "/proc/modules": "ntsync 28672 0 - Live 0x0\n",
      "/proc/misc": "183 hw_random\n",
    },
  });
  assert.equal(statuses(d)["driver.misc"], "warn");
});

Deno.test("/proc and /sys hidden by Deno: loaded is unknown, fix --allow-all", async () => {
  const d = await driverOf({
    files: {
      [`${LIB}/kernel/drivers/misc/ntsync.ko.xz`]: "",
      "/proc/modules": "ntsync 1 0 - Live 0\n",
    },
    notCapable: ["/proc", "/sys"],
  });
  assert.equal(d.kind, "module");
  assert.equal(d.loaded, null);
  const f = d.findings[0];
  assert.equal(f.status, "warn");
  assert.match(f.summary, /cannot be seen/);
  assert.match(f.fix![0], /--allow-all/);
  assert.equal(d.findings.some((x) => x.id === "driver.misc"), false);
});

Deno.test("/proc hidden, no module tree: the driver cannot be seen", async () => {
  const d = await driverOf({ notCapable: ["/proc", "/sys"] });
  assert.equal(d.kind, "unknown");
  assert.equal(d.loaded, null);
  assert.match(d.findings[0].summary, /cannot be seen/);
});
