/**
 * The npm package in the guest: the packed tarball installed into a fresh
 * project (with koffi), and the node and bun binaries, so the guest runs
 * the package's tests on the native backend through Node + koffi and
 * Bun + bun:ffi, beside Deno's suite.
 *
 * @module
 */

import { buildNpm } from "../../tools/build_npm.ts";
import { packNpm, project } from "../../tools/test_npm.ts";
import { run } from "./exec.ts";

/** Guest paths of the two runtimes. */
export const GUEST_NODE = "/usr/local/bin/node";
/** Guest path of bun. */
export const GUEST_BUN = "/usr/local/bin/bun";

/** What the guest gets for the npm runs. */
export interface NpmStage {
  /** The installed project (staged at the same path). */
  readonly projectDir: string;
  /** The packing directory, removed with the project. */
  readonly packDir: string;
  /** The host's node binary. */
  readonly node: string;
  /** Bun's binary, from the npm registry. */
  readonly bun: string;
}

/** Build, pack and install the package; find node and bun. */
export async function prepareNpm(): Promise<NpmStage> {
  await buildNpm();
  const packDir = await Deno.makeTempDir({ prefix: "ntsync-kernel-pack-" });
  const tarball = await packNpm(packDir);
  const projectDir = await project(tarball, { optional: true });
  const node = await Deno.realPath(
    (await run("node", ["-p", "process.execPath"])).stdout.trim(),
  );
  const bun = await Deno.realPath(
    (await run("npx", ["-y", "bun@1", "-p", "process.execPath"])).stdout
      .trim(),
  );
  return { projectDir, packDir, node, bun };
}

/**
 * The guest command: Deno's suite (`deno`), then the package's tests on the
 * native backend with Node and with Bun; the exit status is the first
 * failure's, each part's status printed.
 */
export function withNpmRuns(
  deno: readonly string[],
  projectDir: string,
): string[] {
  const q = (w: string) => `'${w.replaceAll("'", `'\\''`)}'`;
  const script = [
    `${deno.map(q).join(" ")}; d=$?`,
    `echo "[guest] deno suite: exit $d"`,
    `cd ${q(projectDir)} || exit 126`,
    `BACKEND=native node package_test.mjs; n=$?`,
    `echo "[guest] node + koffi, native: exit $n"`,
    `BACKEND=native bun test --timeout=1800000 ./package_test.mjs; b=$?`,
    `echo "[guest] bun + bun:ffi, native: exit $b"`,
    `for s in $d $n $b; do [ "$s" -ne 0 ] && exit "$s"; done; exit 0`,
  ].join("\n");
  return ["sh", "-c", script];
}
