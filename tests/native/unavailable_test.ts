/**
 * When the native backend cannot be used, it says why, in words and as a
 * `reason` keyword, and leaves nothing loaded behind.
 */

import assert from "node:assert/strict";
import {
  NativeUnavailableError,
  openFailure,
  openNativeBackend,
} from "../../ffi/native.ts";
import { cString, loadLibc, O_CLOEXEC, O_RDONLY } from "../../ffi/libc.ts";
import { chooseAutoBackend } from "../../select/registry.ts";

/** Whether /dev/ntsync exists here (asked with libc: Deno's own stat of a
 * device node wants --allow-all). The handle is unloaded again. */
const hasDevice = (() => {
  try {
    const l = loadLibc();
    try {
      const fd = l.symbols.open(cString("/dev/ntsync"), O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        l.symbols.close(fd);
        return true;
      }
      return l.errno[0] !== 2; // anything but ENOENT: it is there
    } finally {
      l.unload();
    }
  } catch {
    return false;
  }
})();

const FIXTURE = new URL("./_probe_fixture.ts", import.meta.url).pathname;

async function probeWith(...flags: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--allow-read", ...flags, FIXTURE],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(text);
}

Deno.test("without --allow-ffi: reason no-ffi, and the message says what to do", async () => {
  const r = await probeWith();
  assert.equal(r.native.name, "NativeUnavailableError");
  assert.equal(r.native.reason, "no-ffi");
  assert.match(r.native.message, /--allow-ffi/);
  assert.deepEqual(r.auto, { kind: "emulated", reason: r.native.message });
});

Deno.test("with a path-scoped --allow-ffi: reason no-ffi (pointers need it unscoped)", async () => {
  const r = await probeWith("--allow-ffi=libc.so.6");
  assert.equal(r.native.reason, "no-ffi");
  assert.match(r.native.message, /unscoped/);
});

Deno.test({
  name:
    "with --allow-ffi and no /dev/ntsync: reason no-device, ENOENT, in auto's reason too",
  ignore: hasDevice,
  async fn() {
    const r = await probeWith("--allow-ffi");
    assert.equal(r.native.reason, "no-device");
    assert.equal(r.native.errno, 2);
    assert.match(r.native.message, /\/dev\/ntsync \(ENOENT\)/);
    assert.deepEqual(r.auto, { kind: "emulated", reason: r.native.message });
  },
});

Deno.test({
  name:
    "openNativeBackend() without the device throws and leaves no library loaded",
  ignore: hasDevice,
  fn() {
    // The resource sanitizer fails this test if libc stayed loaded.
    assert.throws(
      () => openNativeBackend(),
      (err: unknown) =>
        err instanceof NativeUnavailableError && err.reason === "no-device" &&
        err.errno === 2 && err.message.includes("modprobe ntsync"),
    );
    const auto = chooseAutoBackend();
    assert.equal(auto.backend.kind, "emulated");
    assert.match(auto.reason ?? "", /ENOENT/);
  },
});

Deno.test("a C library that cannot be loaded: reason no-libc, naming the library", () => {
  assert.throws(
    () => loadLibc("libntsync-test-missing.so.0"),
    (err: unknown) =>
      err instanceof NativeUnavailableError && err.reason === "no-libc" &&
      err.message.includes("libntsync-test-missing.so.0"),
  );
});

Deno.test("open(2) failures map to reasons", () => {
  const cases: [number, string, string][] = [
    [2, "no-device", "ENOENT"],
    [6, "no-device", "ENXIO"],
    [19, "no-device", "ENODEV"],
    [13, "permission", "EACCES"],
    [1, "permission", "EPERM"],
    [5, "other", "E5"],
  ];
  for (const [errno, reason, name] of cases) {
    const err = openFailure(errno);
    assert.ok(err instanceof Error);
    assert.equal(err.name, "NativeUnavailableError");
    assert.equal(err.reason, reason, name);
    assert.equal(err.errno, errno);
    assert.ok(err.message.includes(`(${name})`), err.message);
  }
});
