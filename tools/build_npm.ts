/**
 * `deno task build:npm`: the npm package in `dist/npm/`, from the same
 * sources as the JSR module. `tsc` (from the npm registry) compiles the
 * entry points below and everything they import to ESM `.js` + `.d.ts`,
 * rewriting `.ts` import specifiers to `.js`; then `package.json`, the
 * README and the LICENSE are written beside them.
 *
 * It also packs the tarball into `dist/` (as `npm pack ./dist/npm` does).
 *
 * @module
 */

/**
 * Subpaths of deno.json's `exports` that stay Deno-only: the doctor CLI
 * (it runs `deno` subprocesses and reads Deno's permissions).
 */
export const DENO_ONLY_SUBPATHS: readonly string[] = ["./doctor"];

/**
 * The package's subpaths and their entry modules: deno.json's `exports`,
 * the ONE list both builds are made from (a new subpath, such as `./nt`, is
 * one line there), less {@linkcode DENO_ONLY_SUBPATHS}.
 */
export function npmSubpaths(
  exports: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [sub, entry] of Object.entries(exports)) {
    if (!DENO_ONLY_SUBPATHS.includes(sub)) {
      out[sub] = entry.replace(/^\.\//, "");
    }
  }
  return out;
}

/** Modules loaded by URL (Worker entry points), not reached by imports. */
export const URL_LOADED_MODULES: readonly string[] = [
  "conformance/thread_worker.ts",
  // Plain JavaScript (see its header): copied with its `.ts` imports
  // rewritten, as tsc rewrites them in the TypeScript modules.
  "nt/_thread_entry.js",
];

/** The TypeScript compiler used, from the npm registry. */
export const TSC_PACKAGES = ["typescript@5.9.3", "@types/node@^20.19.0"];

/** koffi: the native backend's FFI on Node, an optional dependency. */
export const KOFFI_RANGE = "^3.3.4";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const OUT = `${ROOT}/dist/npm`;
const TOOLS = `${ROOT}/dist/.npm-tools`;

async function run(cmd: string, args: string[], cwd = ROOT): Promise<void> {
  const { code } = await new Deno.Command(cmd, {
    args,
    cwd,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${code}`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Install tsc (once) into dist/.npm-tools. */
async function ensureTsc(): Promise<string> {
  const tsc = `${TOOLS}/node_modules/typescript/bin/tsc`;
  const stamp = `${TOOLS}/.installed`;
  const want = TSC_PACKAGES.join(" ");
  if (
    await exists(tsc) && (await exists(stamp)) &&
    (await Deno.readTextFile(stamp)) === want
  ) return tsc;
  await Deno.mkdir(TOOLS, { recursive: true });
  await Deno.writeTextFile(
    `${TOOLS}/package.json`,
    JSON.stringify({ private: true }),
  );
  await run("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--silent",
    ...TSC_PACKAGES,
  ], TOOLS);
  await Deno.writeTextFile(stamp, want);
  return tsc;
}

/** The tsconfig: ESM for Node 20+, declarations, `.ts` specifiers rewritten. */
function tsconfig(subpaths: Record<string, string>): unknown {
  return {
    compilerOptions: {
      target: "ES2022",
      module: "ESNext",
      moduleResolution: "bundler",
      lib: ["ES2024", "ESNext.Disposable"],
      types: ["node"],
      typeRoots: [`${TOOLS}/node_modules/@types`],
      allowImportingTsExtensions: true,
      allowJs: true,
      rewriteRelativeImportExtensions: true,
      declaration: true,
      strict: true,
      skipLibCheck: true,
      isolatedModules: true,
      verbatimModuleSyntax: true,
      useDefineForClassFields: true,
      rootDir: ROOT,
      outDir: OUT,
      newLine: "lf",
    },
    files: [
      ...Object.values(subpaths),
      ...URL_LOADED_MODULES,
    ].map((f) => `${ROOT}/${f}`),
  };
}

/** `package.json`: name, version and license from deno.json. */
function packageJson(deno: {
  name: string;
  version: string;
  license?: string;
}, subpaths: Record<string, string>): unknown {
  const exports: Record<string, unknown> = {};
  for (const [sub, entry] of Object.entries(subpaths)) {
    const js = `./${entry.replace(/\.ts$/, ".js")}`;
    exports[sub] = { types: js.replace(/\.js$/, ".d.ts"), default: js };
  }
  exports["./package.json"] = "./package.json";
  return {
    name: deno.name,
    version: deno.version,
    description:
      "Linux's /dev/ntsync (the Windows NT synchronization model: semaphores, " +
      "mutexes, events, wait-any/wait-all) for Node.js, Bun and Deno: the real " +
      "driver through FFI, or an exact emulation shared by all Workers",
    license: deno.license ?? "MIT",
    type: "module",
    engines: { node: ">=20" },
    exports,
    main: "./mod.js",
    types: "./mod.d.ts",
    files: ["**/*.js", "**/*.d.ts", "README.md", "LICENSE"],
    optionalDependencies: { koffi: KOFFI_RANGE },
    keywords: [
      "ntsync",
      "synchronization",
      "mutex",
      "semaphore",
      "event",
      "worker",
      "wine",
    ],
    sideEffects: false,
  };
}

/** Build `dist/npm/`. */
export async function buildNpm(): Promise<void> {
  const tsc = await ensureTsc();
  await Deno.remove(OUT, { recursive: true }).catch(() => {});
  await Deno.mkdir(OUT, { recursive: true });
  const deno = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  const subpaths = npmSubpaths(deno.exports);
  const config = `${TOOLS}/tsconfig.npm.json`;
  await Deno.writeTextFile(config, JSON.stringify(tsconfig(subpaths), null, 2));
  await run("node", [tsc, "-p", config]);
  await Deno.writeTextFile(
    `${OUT}/package.json`,
    JSON.stringify(packageJson(deno, subpaths), null, 2) + "\n",
  );
  await Deno.copyFile(`${ROOT}/README.md`, `${OUT}/README.md`);
  await Deno.copyFile(`${ROOT}/LICENSE`, `${OUT}/LICENSE`);
  console.log(`built ${OUT}`);
}

/**
 * `npm pack ./dist/npm` into `into` (the `./` matters: npm reads a bare
 * `dist/npm` as a GitHub repository); the tarball's path.
 */
export async function packNpm(into: string): Promise<string> {
  const out = await new Deno.Command("npm", {
    args: ["pack", "./dist/npm", "--pack-destination", into, "--silent"],
    cwd: ROOT,
    stderr: "inherit",
  }).output();
  if (out.code !== 0) throw new Error("npm pack failed");
  const name = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!;
  return `${into}/${name}`;
}

if (import.meta.main) {
  await buildNpm();
  console.log(`packed ${await packNpm(`${ROOT}/dist`)}`);
}
