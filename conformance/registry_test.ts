/**
 * Every conformance check is both run by the doctor and tested: each
 * `ConformanceTest` a module in selftests/ or extra/ exports is listed in
 * `SELFTESTS` or `EXTRA_CHECKS`, each listed check comes from such a module,
 * names are unique, and the `_test.ts` beside each module registers every
 * check that module defines (a check forgotten there would pass unseen).
 *
 * @module
 */

import assert from "node:assert/strict";
import { EXTRA_CHECKS } from "./extra.ts";
import type { ConformanceTest } from "./session.ts";
import { SELFTESTS } from "./selftests.ts";

function isCheck(value: unknown): value is ConformanceTest {
  return typeof value === "object" && value !== null &&
    typeof (value as ConformanceTest).name === "string" &&
    typeof (value as ConformanceTest).run === "function";
}

/** Each module's exported checks, by export name. */
async function modules(): Promise<
  { dir: string; base: string; checks: [string, ConformanceTest][] }[]
> {
  const out = [];
  for (const dir of ["selftests", "extra"]) {
    const url = new URL(`./${dir}/`, import.meta.url);
    for await (const entry of Deno.readDir(url)) {
      const name = entry.name;
      if (!name.endsWith(".ts") || name.endsWith("_test.ts")) continue;
      const mod = await import(new URL(name, url).href);
      const checks = Object.entries(mod).filter((e): e is [
        string,
        ConformanceTest,
      ] => isCheck(e[1]));
      out.push({ dir, base: name.slice(0, -3), checks });
    }
  }
  return out;
}

Deno.test("conformance: the check lists and the modules hold the same checks, once each", async () => {
  const exported = (await modules()).flatMap((m) => m.checks.map((c) => c[1]));
  const listed = [...SELFTESTS, ...EXTRA_CHECKS];
  assert.ok(listed.length >= 40, `only ${listed.length} checks listed`);
  assert.deepEqual(
    new Set(exported.map((c) => c.name)),
    new Set(listed.map((c) => c.name)),
  );
  assert.equal(new Set(listed.map((c) => c.name)).size, listed.length);
  for (const check of listed) assert.ok(exported.includes(check), check.name);
});

Deno.test("conformance: the test beside each module registers each of its checks", async () => {
  let seen = 0;
  for (const { dir, base, checks } of await modules()) {
    const test = new URL(`./${dir}/${base}_test.ts`, import.meta.url);
    const source = await Deno.readTextFile(test);
    for (const [ident, check] of checks) {
      assert.match(
        source,
        new RegExp(`^testOnEveryBackend\\(${ident}\\);$`, "m"),
        `${dir}/${base}_test.ts does not register ${check.name} (${ident})`,
      );
      seen++;
    }
  }
  assert.equal(seen, SELFTESTS.length + EXTRA_CHECKS.length);
});
