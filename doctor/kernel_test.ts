import assert from "node:assert/strict";
import {
  compareVersions,
  configValue,
  parseKernelVersion,
  probeKernel,
} from "./kernel.ts";
import { fakeSystem } from "./testdata/fake_system.ts";

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("parseKernelVersion reads distribution release strings", () => {
  assert.deepEqual(parseKernelVersion("6.14.0-1-amd64"), {
    major: 6,
    minor: 14,
    patch: 0,
  });
  assert.deepEqual(parseKernelVersion("6.18.44-fc-v669"), {
    major: 6,
    minor: 18,
    patch: 44,
  });
  assert.deepEqual(parseKernelVersion("7.0"), { major: 7, minor: 0, patch: 0 });
  assert.equal(parseKernelVersion("weird"), null);
  assert.ok(
    compareVersions({ major: 6, minor: 9, patch: 0 }, {
      major: 6,
      minor: 14,
      patch: 0,
    }) < 0,
  );
});

Deno.test("configValue tells y, m, not set and absent apart", () => {
  const cfg = "CONFIG_A=y\nCONFIG_NTSYNC=m\n# CONFIG_MODULES is not set\n";
  assert.equal(configValue(cfg, "NTSYNC"), "m");
  assert.equal(configValue(cfg, "A"), "y");
  assert.equal(configValue(cfg, "MODULES"), "n");
  assert.equal(configValue(cfg, "NTSYNC_X"), "unknown");
  assert.equal(configValue("CONFIG_NTSYNC_FOO=y\n", "NTSYNC"), "unknown");
});

Deno.test("kernel 6.14+ with CONFIG_NTSYNC=m from /boot is ok", async () => {
  using fake = fakeSystem({
    release: "6.14.2-arch1",
    files: {
      "/boot/config-6.14.2-arch1": "CONFIG_MODULES=y\nCONFIG_NTSYNC=m\n",
    },
  });
  const k = await probeKernel(fake.system);
  assert.equal(k.newEnough, true);
  assert.equal(k.configNtsync, "m");
  assert.equal(k.configSource, "/boot/config-6.14.2-arch1");
  assert.deepEqual(k.findings.map((f) => [f.id, f.status]), [
    ["kernel.version", "ok"],
    ["kernel.config", "ok"],
  ]);
});

Deno.test("/proc/config.gz is preferred and decompressed", async () => {
  using fake = fakeSystem({
    release: "6.18.44-fc",
    files: {
      "/proc/config.gz": await gzip("# CONFIG_NTSYNC is not set\n"),
      "/boot/config-6.18.44-fc": "CONFIG_NTSYNC=y\n",
    },
  });
  const k = await probeKernel(fake.system);
  assert.equal(k.configSource, "/proc/config.gz");
  assert.equal(k.configNtsync, "n");
  const cfg = k.findings.find((f) => f.id === "kernel.config")!;
  assert.equal(cfg.status, "fail");
  assert.match(cfg.fix!.join("\n"), /CONFIG_NTSYNC=m/);
});

Deno.test("6.10 to 6.13 fail as the BROKEN partial driver", async () => {
  using fake = fakeSystem({ release: "6.12.9-amd64" });
  const k = await probeKernel(fake.system);
  assert.equal(k.newEnough, false);
  const v = k.findings[0];
  assert.equal(v.status, "fail");
  assert.match(v.detail!, /BROKEN/);
  assert.match(v.fix!.join(), /6\.14/);
});

Deno.test("older kernels fail, unknown config is info", async () => {
  using fake = fakeSystem({ release: "5.15.0-91-generic" });
  const k = await probeKernel(fake.system);
  assert.equal(k.findings[0].status, "fail");
  assert.doesNotMatch(k.findings[0].detail!, /BROKEN/);
  assert.equal(k.configNtsync, "unknown");
  assert.equal(k.findings[1].status, "info");
});

Deno.test("an unrecognised release warns", async () => {
  using fake = fakeSystem({ release: "custom" });
  const k = await probeKernel(fake.system);
  assert.equal(k.version, null);
  assert.equal(k.newEnough, null);
  assert.equal(k.findings[0].status, "warn");
});

Deno.test("CONFIG_NTSYNC=m without CONFIG_MODULES fails", async () => {
  using fake = fakeSystem({
    release: "6.15.0",
    files: {
      "/boot/config-6.15.0": "# CONFIG_MODULES is not set\nCONFIG_NTSYNC=m\n",
    },
  });
  const k = await probeKernel(fake.system);
  assert.equal(k.findings[1].status, "fail");
});

Deno.test("/proc/config.gz hidden by Deno: /boot is still used", async () => {
  using fake = fakeSystem({
    release: "6.16.0",
    files: {
      "/proc/config.gz": await gzip("CONFIG_NTSYNC=m\n"),
      "/boot/config-6.16.0": "CONFIG_NTSYNC=y\n",
    },
    notCapable: ["/proc"],
  });
  const k = await probeKernel(fake.system);
  assert.equal(k.configSource, "/boot/config-6.16.0");
  assert.equal(k.configNtsync, "y");
});

Deno.test("/proc/config.gz hidden by Deno and no /boot: says so", async () => {
  using fake = fakeSystem({
    release: "6.16.0",
    files: { "/proc/config.gz": await gzip("CONFIG_NTSYNC=m\n") },
    notCapable: ["/proc"],
  });
  const k = await probeKernel(fake.system);
  assert.equal(k.configNtsync, "unknown");
  assert.match(k.findings[1].summary, /--allow-all/);
});
