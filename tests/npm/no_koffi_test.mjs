// Run in a project that installed the package without its optional
// dependencies (npm install --omit=optional): no koffi, so on Node the
// native backend says how to get it and `auto` falls back to emulation.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  chooseAutoBackend,
  getBackend,
  NativeUnavailableError,
  openDevice,
} from "@ntsync/ntsync";

test("without koffi, native is no-ffi and says how to install it; auto falls back", () => {
  assert.throws(
    () => getBackend("native"),
    (e) =>
      e instanceof NativeUnavailableError && e.reason === "no-ffi" &&
      /npm install koffi/.test(e.message),
  );
  const { backend, reason } = chooseAutoBackend();
  assert.equal(backend.kind, "emulated");
  assert.match(reason, /npm install koffi/);
  const dev = openDevice();
  try {
    const ev = dev.createEvent({ signaled: true });
    assert.equal(dev.waitAny([ev], { timeout: 0 }).status, "signaled");
  } finally {
    dev.close();
  }
});
