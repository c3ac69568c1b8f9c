import assert from "node:assert/strict";
import { DEFAULT_COMMAND, defaultCommand, parseArgs } from "./args.ts";

const noEnv = () => undefined;
const envOf = (vars: Record<string, string>) => (k: string) => vars[k];

Deno.test("parseArgs defaults to the full suite", () => {
  const o = parseArgs([], noEnv);
  assert.deepEqual(o.command, DEFAULT_COMMAND);
  assert.deepEqual(o.command, ["deno", "task", "test"]);
  assert.equal(o.keep, false);
  assert.equal(o.refresh, false);
  assert.equal(o.requireDevice, true);
  assert.equal(o.timeoutSeconds, 2400);
  assert.equal(o.memoryMiB, 4096);
  assert.equal(o.smp, 2);
});

Deno.test("parseArgs drops the -- that deno task passes through", () => {
  assert.deepEqual(
    parseArgs(["--", "deno", "test", "--allow-all", "tests/foo_test.ts"], noEnv)
      .command,
    ["deno", "test", "--allow-all", "tests/foo_test.ts"],
  );
  assert.deepEqual(
    parseArgs(["--", "sh", "-c", "ls -l /dev/ntsync; uname -r"], noEnv)
      .command,
    ["sh", "-c", "ls -l /dev/ntsync; uname -r"],
  );
  assert.deepEqual(parseArgs(["--"], noEnv).command, DEFAULT_COMMAND);
});

Deno.test("parseArgs reads options before the command, then stops", () => {
  const o = parseArgs(
    ["--keep", "--timeout=60", "--", "deno", "--keep"],
    noEnv,
  );
  assert.equal(o.keep, true);
  assert.equal(o.timeoutSeconds, 60);
  assert.deepEqual(o.command, ["deno", "--keep"]);
  // After deno task's own "--", and without a second "--".
  const p = parseArgs(["--", "--smp=1", "--memory=2048", "uname", "-a"], noEnv);
  assert.equal(p.smp, 1);
  assert.equal(p.memoryMiB, 2048);
  assert.deepEqual(p.command, ["uname", "-a"]);
});

Deno.test("parseArgs takes the environment, and flags override it", () => {
  const env = envOf({
    NTSYNC_KERNEL_KEEP: "1",
    NTSYNC_KERNEL_TIMEOUT: "90",
    NTSYNC_KERNEL_REQUIRE_DEVICE: "0",
    NTSYNC_KERNEL_REFRESH: "0",
  });
  const o = parseArgs([], env);
  assert.equal(o.keep, true);
  assert.equal(o.timeoutSeconds, 90);
  assert.equal(o.requireDevice, false);
  assert.equal(o.refresh, false);
  assert.equal(parseArgs(["--timeout=5"], env).timeoutSeconds, 5);
});

Deno.test("parseArgs rejects unknown options and bad numbers", () => {
  assert.throws(() => parseArgs(["--kep"], noEnv), /unknown option --kep/);
  assert.throws(() => parseArgs(["--timeout"], noEnv), /needs =VALUE/);
  assert.throws(() => parseArgs(["--timeout=0"], noEnv), /positive integer/);
  assert.throws(() => parseArgs(["--smp=two"], noEnv), /positive integer/);
  assert.throws(
    () => parseArgs([], envOf({ NTSYNC_KERNEL_MEMORY: "-1" })),
    /NTSYNC_KERNEL_MEMORY/,
  );
});

Deno.test("parseArgs: --help", () => {
  assert.equal(parseArgs(["--help"], noEnv).help, true);
  assert.equal(parseArgs(["--", "-h"], noEnv).help, true);
});

Deno.test("parseArgs uses the given fallback when no command is named", () => {
  const fallback = ["deno", "test", "--no-check"];
  assert.deepEqual(parseArgs([], noEnv, fallback).command, fallback);
  assert.deepEqual(parseArgs(["--keep"], noEnv, fallback).command, fallback);
  assert.deepEqual(parseArgs(["--", "true"], noEnv, fallback).command, [
    "true",
  ]);
});

Deno.test("defaultCommand runs the test task's deno test without type checking", () => {
  const json = JSON.stringify({
    tasks: {
      test:
        "deno test --allow-read --allow-write --allow-ffi --allow-env --allow-sys --allow-run",
    },
  });
  assert.deepEqual(defaultCommand(json), [
    "deno",
    "test",
    "--no-check",
    "--allow-read",
    "--allow-write",
    "--allow-ffi",
    "--allow-env",
    "--allow-sys",
    "--allow-run",
  ]);
  // The object form of a task.
  assert.deepEqual(
    defaultCommand('{"tasks":{"test":{"command":"deno test -A"}}}'),
    ["deno", "test", "--no-check", "-A"],
  );
  // Already decided about checking: left alone.
  assert.deepEqual(
    defaultCommand('{"tasks":{"test":"deno test --check=all"}}'),
    ["deno", "test", "--check=all"],
  );
});

Deno.test("defaultCommand falls back to deno task test when unsure", () => {
  for (
    const text of [
      undefined,
      "",
      "{ // a comment\n }",
      "{}",
      '{"tasks":{}}',
      '{"tasks":{"test":"deno test && echo done"}}',
      '{"tasks":{"test":"deno test \'a b\'"}}',
      '{"tasks":{"test":"npm test"}}',
      '{"tasks":{"test":"deno run main.ts"}}',
      '{"tasks":{"test":42}}',
    ]
  ) {
    assert.deepEqual(defaultCommand(text), DEFAULT_COMMAND, String(text));
  }
});
