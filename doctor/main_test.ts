import assert from "node:assert/strict";
import { NtsyncError } from "../core/errors.ts";
import { Errno } from "../uapi/errno.ts";
import { NTSYNC_IOC_CREATE_EVENT } from "../uapi/mod.ts";
import type { ConformanceReport } from "./conformance.ts";
import { EXIT_BROKEN, EXIT_NO_NTSYNC, EXIT_OK, runDoctor } from "./main.ts";
import { summarize } from "./report.ts";
import { type FakeMachine, fakeSystem } from "./testdata/fake_system.ts";
import {
  fakeSource,
  quirkyBackend,
  unavailable,
  unfixedKernel,
} from "./testdata/fake_backends.ts";
import type { BackendSource } from "./backends.ts";

const R = "6.14.0-1-amd64";
const LOADED: FakeMachine = {
  release: R,
  files: {
    [`/lib/modules/${R}/kernel/drivers/misc/ntsync.ko.xz`]: "",
    "/proc/modules": "ntsync 28672 0 - Live 0x0\n",
    "/proc/misc": "125 ntsync\n",
    "/etc/passwd": "alice:x:1000:1000::/home/alice:/bin/sh\n",
    "/etc/group": "alice:x:1000:\n",
  },
  device: {},
};

async function doctor(m: FakeMachine, source: BackendSource) {
  using fake = fakeSystem(m);
  return await runDoctor({
    system: fake.system,
    backends: source,
    conformance: false,
    bench: false,
  });
}

Deno.test("a working device and kernel: exit 0", async () => {
  const r = await doctor(LOADED, fakeSource(quirkyBackend({ kind: "native" })));
  assert.equal(r.summary.verdict, "ok");
  assert.equal(r.summary.exitCode, EXIT_OK);
  assert.match(r.summary.headline, /ntsync works/);
  assert.deepEqual(r.uapi.map((u) => [u.backend, u.generation, u.ownerZero]), [
    ["native", "6.14+", "refused"],
    ["emulated", "6.14+", "refused"],
  ]);
  assert.equal(r.schema, 1);
  assert.equal(r.user.user, "alice");
  // the report is plain data: it survives JSON
  assert.deepEqual(JSON.parse(JSON.stringify(r)).summary, r.summary);
});

Deno.test("a kernel without the owner-0 fix still exits 0, with a warning", async () => {
  const r = await doctor(LOADED, fakeSource(unfixedKernel()));
  assert.equal(r.summary.exitCode, EXIT_OK);
  assert.equal(
    r.uapi[0].findings.find((f) => f.id === "uapi.owner0")!.status,
    "warn",
  );
});

Deno.test("no driver, no device (this machine's case): exit 2 with how to get it", async () => {
  const r = await doctor(
    {
      release: "6.18.44",
      files: { "/boot/config-6.18.44": "# CONFIG_NTSYNC is not set\n" },
    },
    fakeSource(unavailable("no-device")),
  );
  assert.equal(r.summary.verdict, "no-ntsync");
  assert.equal(r.summary.exitCode, EXIT_NO_NTSYNC);
  assert.match(r.summary.headline, /CONFIG_NTSYNC/);
  assert.match(r.summary.headline, /emulated backend/);
  assert.match(r.summary.fixes[0], /CONFIG_NTSYNC=m/);
  assert.match(r.summary.fixes.join("\n"), /modprobe ntsync/);
  assert.deepEqual(r.uapi.map((u) => u.backend), ["emulated"]);
});

Deno.test("module not loaded: exit 2, the fix is modprobe", async () => {
  const r = await doctor(
    {
      release: R,
      files: { [`/lib/modules/${R}/kernel/drivers/misc/ntsync.ko.zst`]: "" },
    },
    fakeSource(unavailable("no-device")),
  );
  assert.equal(r.summary.exitCode, EXIT_NO_NTSYNC);
  assert.equal(r.summary.fixes[0], "sudo modprobe ntsync");
});

Deno.test("permission denied on the device: exit 2, chmod and udev rule", async () => {
  const r = await doctor(
    {
      ...LOADED,
      device: { mode: 0o600 },
      open: { ok: false, code: "EACCES", message: "denied" },
    },
    fakeSource(unavailable("permission")),
  );
  assert.equal(r.summary.exitCode, EXIT_NO_NTSYNC);
  assert.match(r.summary.fixes.join("\n"), /chmod 0666/);
  assert.match(r.summary.fixes.join("\n"), /udev/);
});

Deno.test("a device node nobody answers (ENXIO): exit 3", async () => {
  const r = await doctor(
    { ...LOADED, open: { ok: false, code: "ENXIO", message: "x" } },
    fakeSource(unavailable("other")),
  );
  assert.equal(r.summary.verdict, "broken");
  assert.equal(r.summary.exitCode, EXIT_BROKEN);
  assert.match(r.summary.headline, /ENXIO/);
});

Deno.test("a device with an older uapi: exit 3", async () => {
  const old = quirkyBackend({
    kind: "native",
    ioctl: (_fd, req) => {
      if (req === NTSYNC_IOC_CREATE_EVENT) {
        throw new NtsyncError(Errno.ENOTTY, "create");
      }
      return undefined;
    },
  });
  const r = await doctor(LOADED, fakeSource(old));
  assert.equal(r.summary.exitCode, EXIT_BROKEN);
  assert.match(r.summary.headline, /uapi \(native\)/);
});

Deno.test("a failed conformance check makes it broken, whichever backend", async () => {
  const r = await doctor(LOADED, fakeSource(quirkyBackend({ kind: "native" })));
  const failing: ConformanceReport = {
    backend: "emulated",
    passed: 1,
    failed: 1,
    checks: [
      { name: "semaphore_state", status: "pass", ms: 1, attempts: 1 },
      {
        name: "wake_any",
        status: "timeout",
        ms: 60000,
        attempts: 1,
        error: "cut off",
      },
      { name: "stress_wait", status: "skip", ms: 0, attempts: 0 },
    ],
  };
  const s = summarize({ ...r, conformance: [failing] });
  assert.equal(s.exitCode, EXIT_BROKEN);
  assert.match(s.headline, /emulated wake_any: timeout/);
  // and the same run with the check passing is fine
  const ok = summarize({
    ...r,
    conformance: [{
      ...failing,
      passed: 2,
      failed: 0,
      checks: [
        failing.checks[0],
        {
          name: "wake_any",
          status: "pass",
          ms: 900,
          attempts: 2,
          firstError: "late",
        },
        failing.checks[2],
      ],
    }],
  });
  assert.equal(ok.exitCode, EXIT_OK);
  assert.match(
    ok.headline,
    /2 conformance checks passed \(1 only on a second run\), 1 skipped/,
  );
});

Deno.test("Deno permissions hide /proc: partial, said first, verdict from the backends", async () => {
  const r = await doctor(
    { ...LOADED, notCapable: ["/proc", "/sys", "/dev"] },
    fakeSource(unavailable("no-device")),
  );
  assert.equal(r.access.length, 1);
  assert.equal(r.access[0].status, "warn");
  assert.equal(r.summary.exitCode, EXIT_NO_NTSYNC);
  assert.match(r.summary.fixes[0], /--allow-all/);
  assert.equal(r.device.present, null);
});

Deno.test("the doctor never counts itself among the ntsync users", async () => {
  const r = await doctor(
    {
      ...LOADED,
      pid: 77,
      links: { "/proc/77/fd/3": "/dev/ntsync" },
      files: { ...LOADED.files, "/proc/77/comm": "deno\n" },
    },
    fakeSource(quirkyBackend({ kind: "native" })),
  );
  assert.equal(r.processes.holders.length, 0);
});
