import assert from "node:assert/strict";
import { MarkerScanner, newNonce } from "./marker.ts";

Deno.test("MarkerScanner finds the exit status across chunk boundaries", () => {
  const s = new MarkerScanner("f00d");
  assert.deepEqual(s.push("test output\r\nNTSYNC-EX"), []);
  assert.deepEqual(s.push("IT=3 run=f0"), []);
  assert.deepEqual(s.push("0d\r\nmore\n"), [{ kind: "exit", status: 3 }]);
});

Deno.test("MarkerScanner reports ready with the guest uptime", () => {
  const s = new MarkerScanner("ab12");
  assert.deepEqual(s.push("NTSYNC-READY uptime=2.47 run=ab12\n"), [
    { kind: "ready", uptimeSeconds: 2.47 },
  ]);
});

Deno.test("MarkerScanner ignores markers of another run and lookalikes", () => {
  const s = new MarkerScanner("ab12");
  assert.deepEqual(
    s.push(
      [
        "NTSYNC-EXIT=0 run=ffff",
        "NTSYNC-EXIT=0",
        "echo NTSYNC-EXIT=0 run=ab12",
        "NTSYNC-EXIT=$status run=ab12",
        "NTSYNC-EXIT=0 run=ab123",
        "",
      ].join("\n"),
    ),
    [],
  );
});

Deno.test("MarkerScanner reports a missing device and a kernel panic", () => {
  const s = new MarkerScanner("ab12");
  const events = s.push(
    "NTSYNC-NO-DEVICE run=ab12\r\n[    3.1] Kernel panic - not syncing: Attempted to kill init!\r\n",
  );
  assert.equal(events.length, 2);
  assert.deepEqual(events[0], { kind: "no-device" });
  assert.equal(events[1].kind, "panic");
});

Deno.test("MarkerScanner.flush classifies an unterminated last line", () => {
  const s = new MarkerScanner("ab12");
  assert.deepEqual(s.push("NTSYNC-EXIT=127 run=ab12"), []);
  assert.deepEqual(s.flush(), [{ kind: "exit", status: 127 }]);
  assert.deepEqual(s.flush(), []);
});

Deno.test("MarkerScanner rejects a nonce that would break its patterns", () => {
  assert.throws(() => new MarkerScanner("a.b"));
  assert.throws(() => new MarkerScanner(""));
});

Deno.test("newNonce gives distinct hex strings", () => {
  const a = newNonce();
  const b = newNonce();
  assert.match(a, /^[0-9a-f]{12}$/);
  assert.notEqual(a, b);
});
