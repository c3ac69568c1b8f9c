import assert from "node:assert/strict";
import { NtsyncError } from "../core/errors.ts";
import { Errno } from "../uapi/errno.ts";
import {
  EventArgs,
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_WAIT_ANY,
} from "../uapi/mod.ts";
import { probeUapi } from "./uapi_probe.ts";
import { quirkyBackend, unfixedKernel } from "./testdata/fake_backends.ts";

Deno.test("the engine speaks the 6.14+ uapi with the owner-0 fix, and nothing is left open", () => {
  const nt = quirkyBackend();
  const before = nt.open();
  nt.close(before);
  const r = probeUapi(nt);
  assert.equal(r.generation, "6.14+");
  assert.equal(r.ownerZero, "refused");
  assert.equal(r.cleanedUp, true);
  assert.deepEqual(r.findings.map((f) => f.status), ["ok", "ok"]);
  // the lowest free fd is the one we had before: the probe closed all it opened
  const after = nt.open();
  assert.equal(after, before);
  nt.close(after);
});

Deno.test("a kernel that accepts owner 0 warns (6.14 to 7.2.7)", () => {
  const r = probeUapi(unfixedKernel());
  assert.equal(r.ownerZero, "accepted");
  const f = r.findings.find((x) => x.id === "uapi.owner0")!;
  assert.equal(f.status, "warn");
  assert.match(f.detail!, /7\.2\.7/);
});

Deno.test("an older interface without events fails", () => {
  const r = probeUapi(quirkyBackend({
    ioctl: (_fd, req) => {
      if (req === NTSYNC_IOC_CREATE_EVENT) {
        throw new NtsyncError(Errno.ENOTTY, "create");
      }
      return undefined;
    },
  }));
  assert.equal(r.generation, "older");
  assert.equal(r.ownerZero, "unknown");
  assert.equal(r.findings[0].status, "fail");
  assert.match(r.findings[0].summary, /ENOTTY/);
  assert.equal(r.cleanedUp, true);
});

Deno.test("EVENT_READ answering the wrong state fails", () => {
  const r = probeUapi(quirkyBackend({
    ioctl: (_fd, req, arg) => {
      if (req !== NTSYNC_IOC_EVENT_READ) return undefined;
      EventArgs.write(arg as DataView, { manual: 1, signaled: 0 });
      return 0;
    },
  }));
  assert.equal(r.findings[0].status, "fail");
  assert.match(r.findings[0].summary, /read \{1, 0\}/);
});

Deno.test("an unexpected owner-0 answer fails", () => {
  const r = probeUapi(quirkyBackend({
    ioctl: (_fd, req) => {
      if (req === NTSYNC_IOC_WAIT_ANY) {
        throw new NtsyncError(Errno.EFAULT, "wait");
      }
      return undefined;
    },
  }));
  assert.equal(r.findings.find((f) => f.id === "uapi.owner0")!.status, "fail");
});

Deno.test("a failing close is reported", () => {
  const r = probeUapi(quirkyBackend({ closeFails: true }));
  assert.equal(r.cleanedUp, false);
  assert.equal(r.findings.at(-1)!.id, "uapi.cleanup");
});
