/**
 * Fills the DENO_DIR the guest uses with every npm and remote dependency of
 * the project, on the host (the guest has no network).
 *
 * @module
 */

import { log, run } from "./exec.ts";

/** Source files deno can load, by extension. */
const MODULE_RE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

/** Inputs of {@linkcode populateDenoDir}. */
export interface DenoDirInputs {
  /** The deno binary to run. */
  deno: string;
  /** Repository root (the cwd, so deno.json is found). */
  repoRoot: string;
  /** Repository-relative project files. */
  projectFiles: string[];
  /** The DENO_DIR to fill. */
  denoDir: string;
  /**
   * The lockfile to use and update: the staged copy, so the checkout's own
   * deno.lock (or its absence) is left as it is.
   */
  lockfile: string;
}

/**
 * Runs `deno cache` over every module of the project with DENO_DIR set.
 * When the batch fails (a module that does not resolve yet, say), each
 * module is cached on its own so the rest still lands, and a warning is
 * printed: the guest run will show the real error.
 */
export async function populateDenoDir(i: DenoDirInputs): Promise<void> {
  const modules = i.projectFiles.filter((f) => MODULE_RE.test(f));
  if (modules.length === 0) return;
  const env = {
    DENO_DIR: i.denoDir,
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
  };
  const args = (files: string[]) => [
    "cache",
    "--allow-import",
    `--lock=${i.lockfile}`,
    ...files,
  ];
  const batch = await run(i.deno, args(modules), {
    cwd: i.repoRoot,
    env,
    allowFailure: true,
  });
  if (batch.code !== 0) {
    log(
      `deno cache failed as a batch; caching module by module:\n${batch.stderr.trim()}`,
    );
    for (const m of modules) {
      const one = await run(i.deno, args([m]), {
        cwd: i.repoRoot,
        env,
        allowFailure: true,
      });
      if (one.code !== 0) log(`warning: deno cache ${m} failed`);
    }
  }
  // Resolving through a lockfile needs no npm package metadata, so deno
  // stores none; but a guest command naming an npm version the lockfile
  // does not pin (`deno eval 'import "npm:fast-check@3"'`) needs the
  // metadata of every locked package. One unlocked pass stores it (from the
  // cache once it is there, so later runs stay offline).
  const unlocked = await run(i.deno, [
    "cache",
    "--allow-import",
    "--no-lock",
    ...modules,
  ], { cwd: i.repoRoot, env, allowFailure: true });
  if (unlocked.code !== 0) {
    log(
      "note: the unlocked deno cache pass failed (npm metadata may be missing)",
    );
  }
}
