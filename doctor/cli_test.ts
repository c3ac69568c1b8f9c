import assert from "node:assert/strict";
import { HELP, parseArgs, ProgressLine, UsageError } from "./cli.ts";

Deno.test("parseArgs: defaults and every flag", () => {
  assert.deepEqual(parseArgs([]), {
    json: false,
    conformance: true,
    bench: true,
    full: false,
    color: undefined,
    progress: true,
    help: false,
  });
  assert.deepEqual(
    parseArgs(["--json", "--quick", "--no-color", "--no-progress"]),
    {
      json: true,
      conformance: false,
      bench: false,
      full: false,
      color: false,
      progress: false,
      help: false,
    },
  );
  const o = parseArgs(["--no-bench", "--color", "-h"]);
  assert.equal(o.bench, false);
  assert.equal(o.conformance, true);
  assert.equal(o.color, true);
  assert.equal(o.help, true);
  assert.equal(parseArgs(["--no-conformance"]).conformance, false);
  assert.equal(parseArgs(["--full"]).full, true);
});

Deno.test("parseArgs: an unknown argument is a usage error", () => {
  assert.throws(() => parseArgs(["--jsno"]), UsageError);
  assert.throws(() => parseArgs(["extra"]), /unknown argument: extra/);
});

Deno.test("--help documents every exit status", () => {
  for (
    const line of [
      /^ {2}0 {3}ntsync works/m,
      /^ {2}1 {3}the doctor itself failed/m,
      /^ {2}2 {3}no usable ntsync/m,
      /^ {2}3 {3}ntsync is broken/m,
      /^ {2}64 {2}bad arguments/m,
    ]
  ) {
    assert.match(HELP, line);
  }
});

Deno.test("ProgressLine: carriage returns and spaces only, cleared at the end", () => {
  const chunks: string[] = [];
  const out = {
    writeSync(p: Uint8Array) {
      chunks.push(new TextDecoder().decode(p));
      return p.length;
    },
  };
  const line = new ProgressLine(out);
  line.show("conformance 1/12 semaphore_state");
  line.show("bench");
  line.clear();
  line.clear(); // nothing more to erase
  assert.deepEqual(chunks, [
    "\rconformance 1/12 semaphore_state",
    "\rbench" + " ".repeat(27),
    "\r     \r",
  ]);
  const silent = new ProgressLine(undefined);
  silent.show("x");
  silent.clear();
});
