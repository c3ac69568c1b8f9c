import assert from "node:assert/strict";
import {
  type ConformanceEvent,
  runChecks,
  type RunnableCheck,
} from "./conformance_run.ts";
import { quirkyBackend } from "./testdata/fake_backends.ts";

function flaky(
  name: string,
  failures: number,
): RunnableCheck & { runs: number } {
  const check = {
    name,
    runs: 0,
    run(): Promise<void> {
      check.runs++;
      return check.runs <= failures
        ? Promise.reject(new Error(`${name} failed run ${check.runs}`))
        : Promise.resolve();
    },
  };
  return check;
}

async function events(
  checks: RunnableCheck[],
  names: string[],
  retries: number,
) {
  const out: ConformanceEvent[] = [];
  await runChecks(checks, names, quirkyBackend(), retries, (e) => out.push(e));
  return out;
}

const strip = (e: ConformanceEvent) =>
  e.type === "result" ? { ...e, ms: 0 } : e;

Deno.test("a check that fails once passes on its second run, first error kept", async () => {
  const once = flaky("once", 1);
  const ev = (await events([once], ["once"], 1)).map(strip);
  assert.equal(once.runs, 2);
  assert.deepEqual(ev, [
    { type: "start", name: "once", attempt: 1 },
    { type: "start", name: "once", attempt: 2 },
    {
      type: "result",
      name: "once",
      ok: true,
      ms: 0,
      attempts: 2,
      firstError: "once failed run 1",
    },
    { type: "end" },
  ]);
});

Deno.test("a check that keeps failing fails after its retries", async () => {
  const always = flaky("always", 99);
  const ev = (await events([always], ["always"], 1)).map(strip);
  assert.equal(always.runs, 2);
  assert.deepEqual(ev.at(-2), {
    type: "result",
    name: "always",
    ok: false,
    ms: 0,
    attempts: 2,
    error: "always failed run 2",
  });
});

Deno.test("no retries: one run; a clean pass has no firstError; unknown names fail", async () => {
  const bad = flaky("bad", 1);
  const good = flaky("good", 0);
  const ev = (await events([bad, good], ["bad", "good", "nope"], 0)).map(strip);
  assert.equal(bad.runs, 1);
  assert.deepEqual(ev.filter((e) => e.type === "result"), [
    {
      type: "result",
      name: "bad",
      ok: false,
      ms: 0,
      attempts: 1,
      error: "bad failed run 1",
    },
    { type: "result", name: "good", ok: true, ms: 0, attempts: 1 },
    {
      type: "result",
      name: "nope",
      ok: false,
      ms: 0,
      attempts: 0,
      error: "no such check",
    },
  ]);
});
