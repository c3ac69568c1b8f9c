import assert from "node:assert/strict";
import { type InitOptions, initScript, shellQuote } from "./init_script.ts";

const BASE: InitOptions = {
  nonce: "ab12",
  modulePath: "/lib/modules/ntsync.ko",
  projectDir: "/work/main",
  command: ["deno", "task", "test"],
  env: { NO_COLOR: "1", NTSYNC_TEST_BACKENDS: "native,emulated" },
  requireDevice: true,
};

/** Runs `sh -c script` on the host and returns its stdout. */
async function sh(script: string): Promise<string> {
  const out = await new Deno.Command("sh", {
    args: ["-c", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

Deno.test("shellQuote survives a real shell, word for word", async () => {
  const words = [
    "plain",
    "two words",
    "it's",
    "$HOME",
    "`id`",
    'a"b',
    "semi;colon && echo pwned",
    "new\nline",
    "",
    "*",
    "back\\slash",
  ];
  const script = `printf '%s\\0' ${words.map(shellQuote).join(" ")}`;
  assert.deepEqual((await sh(script)).split("\0").slice(0, -1), words);
});

Deno.test("shellQuote leaves safe words bare", () => {
  assert.equal(shellQuote("deno"), "deno");
  assert.equal(shellQuote("--allow-all"), "--allow-all");
  assert.equal(shellQuote("tests/foo_test.ts"), "tests/foo_test.ts");
  assert.equal(shellQuote("a b"), "'a b'");
});

Deno.test("initScript is valid sh and runs the quoted command in the project", async () => {
  const text = initScript({
    ...BASE,
    command: ["sh", "-c", "ls -l /dev/ntsync; uname -r"],
  });
  assert.ok(text.startsWith("#!/bin/sh\n"));
  // Parse only (-n): the script mounts filesystems, not to be run here.
  await sh(`sh -n <<'EOF_INIT'\n${text}\nEOF_INIT\necho parsed`);
  assert.match(
    text,
    /^sh -c 'ls -l \/dev\/ntsync; uname -r' <\/dev\/null 2>&1 \| cat$/m,
  );
  assert.match(text, /^set -o pipefail$/m);
  assert.match(text, /^cd \/work\/main \|\| finish 126$/m);
  assert.match(
    text,
    /^insmod\b|if ! insmod \/lib\/modules\/ntsync\.ko; then$/m,
  );
  assert.match(text, /^export NTSYNC_TEST_BACKENDS=native,emulated$/m);
  assert.match(text, /^export NO_COLOR=1$/m);
  // Nothing may be mounted over /tmp: the project can live there.
  assert.doesNotMatch(text, /mount .* \/tmp$/m);
});

Deno.test("initScript prints the markers of its own run", () => {
  const text = initScript(BASE);
  assert.match(text, /NTSYNC-EXIT=%s run=ab12/);
  assert.match(text, /NTSYNC-READY uptime=\$\(.*\) run=ab12"/);
  assert.match(text, /NTSYNC-NO-DEVICE run=ab12/);
  assert.match(text, /poweroff -f/);
  // The command comes after the device check and the ready marker.
  const ready = text.indexOf("NTSYNC-READY");
  assert.ok(text.indexOf("[ ! -c /dev/ntsync ]") < ready);
  assert.ok(ready < text.indexOf("deno task test </dev/null 2>&1 | cat"));
});

Deno.test("initScript stops on a missing device only when asked", () => {
  assert.match(initScript(BASE), /^ {2}finish 125$/m);
  assert.doesNotMatch(
    initScript({ ...BASE, requireDevice: false }),
    /finish 125/,
  );
});

Deno.test("initScript refuses what it cannot express", () => {
  assert.throws(() => initScript({ ...BASE, command: [] }));
  assert.throws(() => initScript({ ...BASE, nonce: "a b" }));
  assert.throws(() => initScript({ ...BASE, env: { "BAD-NAME": "1" } }));
});
