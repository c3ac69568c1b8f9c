/**
 * `deno task test:npm`: the npm package tested where users run it. Builds
 * `dist/npm`, packs it, installs the tarball into fresh temporary projects
 * and runs `tests/npm/package_test.mjs` there (node:test) against the
 * emulated backend: the ported kernel selftests, the extra conformance
 * checks, a Worker stress test, and the native backend's libc and wait pool
 * on an fd the kernel answers (/dev/null), on each runtime below. A second
 * project installed without optional dependencies checks that `auto` falls
 * back with reason `no-ffi` when koffi is missing.
 *
 * Options: `--runtime=node|node22|bun` (repeatable; default all),
 * `--no-build` (use dist/npm as it is), `--keep` (leave the projects).
 *
 * @module
 */

import { buildNpm, packNpm } from "./build_npm.ts";

export { packNpm };

/** The runtimes the package is tested on: the command that runs a test file. */
export const RUNTIMES: Readonly<Record<string, (file: string) => string[]>> = {
  /** The machine's Node (20 here). */
  node: (f) => ["node", f],
  /** A newer Node, from the npm registry. */
  node22: (f) => ["npx", "-y", "node@22", f],
  /** Bun, from the npm registry (node:test runs under `bun test` only). */
  bun: (f) => ["npx", "-y", "bun@1", "test", "--timeout=600000", `./${f}`],
};

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const TESTS = `${ROOT}/tests/npm`;

async function run(
  cmd: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<void> {
  const t0 = performance.now();
  const { code } = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd,
    env,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`[test:npm] ${cmd.join(" ")} (in ${cwd}): exit ${code}, ${s} s`);
  if (code !== 0) throw new Error(`${cmd.join(" ")}: exit ${code}`);
}

/** A fresh project with the tarball installed and the tests copied in. */
export async function project(
  tarball: string,
  options: { optional: boolean },
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ntsync-npm-" });
  await Deno.writeTextFile(
    `${dir}/package.json`,
    JSON.stringify({ name: "ntsync-npm-test", private: true, type: "module" }),
  );
  await run([
    "npm",
    "install",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    ...(options.optional ? [] : ["--omit=optional"]),
    tarball,
  ], dir);
  for await (const e of Deno.readDir(TESTS)) {
    if (e.name.endsWith(".mjs")) {
      await Deno.copyFile(`${TESTS}/${e.name}`, `${dir}/${e.name}`);
    }
  }
  return dir;
}

if (import.meta.main) {
  const args = Deno.args;
  const chosen = args.filter((a) => a.startsWith("--runtime=")).map((a) =>
    a.slice("--runtime=".length)
  );
  const names = chosen.length > 0 ? chosen : Object.keys(RUNTIMES);
  for (const n of names) {
    if (!RUNTIMES[n]) throw new Error(`unknown runtime ${n}`);
  }
  if (!args.includes("--no-build")) await buildNpm();
  const tmp = await Deno.makeTempDir({ prefix: "ntsync-pack-" });
  const tarball = await packNpm(tmp);
  const full = await project(tarball, { optional: true });
  const bare = await project(tarball, { optional: false });
  try {
    for (const n of names) {
      console.log(`\n[test:npm] ${n}: the package's tests, emulated backend`);
      await run(RUNTIMES[n]("package_test.mjs"), full);
    }
    console.log("\n[test:npm] node without koffi: auto falls back (no-ffi)");
    await run(RUNTIMES.node("no_koffi_test.mjs"), bare);
  } finally {
    if (!args.includes("--keep")) {
      for (const d of [tmp, full, bare]) {
        await Deno.remove(d, { recursive: true }).catch(() => {});
      }
    } else console.log(`[test:npm] kept ${full} and ${bare}`);
  }
}
