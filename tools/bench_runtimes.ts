/**
 * `deno task bench:runtimes`: `bench/runtimes.mjs` once per runtime: on
 * Deno from the repository, on Node 20, Node 22 and Bun from the npm
 * package installed into a fresh project. Prints each runtime's line and a
 * closing table of ratios.
 *
 * Options: `--no-build` (use dist/npm as it is).
 *
 * @module
 */

import { buildNpm } from "./build_npm.ts";
import { packNpm, project, RUNTIMES } from "./test_npm.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const BENCH = "runtimes.mjs";

async function bench(cmd: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd,
    stderr: "inherit",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (out.code !== 0) throw new Error(`${cmd.join(" ")}: exit ${out.code}`);
  const lines = text.trim().split("\n");
  console.log(lines[0]);
  return lines.at(-1)!;
}

if (import.meta.main) {
  if (!Deno.args.includes("--no-build")) await buildNpm();
  const tmp = await Deno.makeTempDir({ prefix: "ntsync-pack-" });
  const dir = await project(await packNpm(tmp), { optional: true });
  try {
    await Deno.copyFile(`${ROOT}/bench/${BENCH}`, `${dir}/${BENCH}`);
    const results = [
      await bench([Deno.execPath(), "run", "-A", `bench/${BENCH}`], ROOT),
    ];
    for (const make of Object.values(RUNTIMES)) {
      // The runtime's plain command for a script (not its test runner).
      const cmd = make(BENCH).filter((w) => !w.startsWith("--timeout"));
      const i = cmd.indexOf("test");
      if (i >= 0) cmd.splice(i, 1);
      results.push(await bench(cmd.map((w) => w.replace(/^\.\//, "")), dir));
    }
    console.log(
      "\n| runtime | CAS+store | SEM_RELEASE + WAIT_ANY poll | ratio |",
    );
    console.log("| --- | --- | --- | --- |");
    for (const r of results.map((l) => JSON.parse(l))) {
      console.log(
        `| ${r.runtime} | ${r.casStoreNs} ns | ${r.releasePollNs} ns | ${r.ratio}x |`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}
