/**
 * The import-boundary check: fails when a module imports across the
 * module's layers. From the bottom up:
 *
 * - `uapi/`: the kernel ABI; imports only itself.
 * - `host/`: which runtime this is; imports nothing else.
 * - the seam: the files directly in `core/` (`backend.ts`, `errors.ts`,
 *   ...): imports only `uapi/` and itself.
 * - `core/emulated/`: the engine; imports `uapi/`, the seam, itself.
 * - `ffi/`: the native backend; imports `uapi/`, the seam, `host/`, itself
 *   (never the engine or the typed API).
 * - `select/`: backend selection (`getBackend`, `attachBackend`, `auto`),
 *   above both the engine and `ffi/`.
 * - `core/api/`: the typed API, on the seam and `select/` only (never
 *   `ffi/` or the engine directly).
 *
 * Besides: no module of the package imports FFI or threads statically
 * (`koffi`, `bun:ffi`, `node:worker_threads`), so an emulated-only user
 * never loads them; the native backend reaches them through
 * `host/runtime.ts` when first used.
 *
 * Run: `deno run --allow-read tools/check_imports.ts [root]`; exits 1 and
 * lists each crossing line.
 *
 * @module
 */

/** One import that crosses a boundary. */
export interface Violation {
  /** The importing file, relative to the root. */
  readonly file: string;
  /** The specifier as written. */
  readonly specifier: string;
  /** What the rule says. */
  readonly rule: string;
}

/** Pseudo-prefix standing for the seam in the `may` lists. */
const SEAM = "core/*.ts";

/** The seam: a module directly in core/, not in a subdirectory. */
const isSeam = (f: string) => /^core\/[^/]+\.ts$/.test(f);

interface Layer {
  readonly name: string;
  readonly owns: (file: string) => boolean;
  /** Prefixes (or exact seam files) this layer may import. */
  readonly may: readonly string[];
}

/** The layers, most specific first. */
export const LAYERS: readonly Layer[] = [
  { name: "uapi", owns: (f) => f.startsWith("uapi/"), may: ["uapi/"] },
  { name: "host", owns: (f) => f.startsWith("host/"), may: ["host/"] },
  { name: "seam", owns: isSeam, may: ["uapi/", SEAM] },
  {
    name: "core/emulated",
    owns: (f) => f.startsWith("core/emulated/"),
    may: ["uapi/", SEAM, "core/emulated/"],
  },
  {
    name: "ffi",
    owns: (f) => f.startsWith("ffi/"),
    may: ["uapi/", SEAM, "host/", "ffi/"],
  },
  {
    name: "select",
    owns: (f) => f.startsWith("select/"),
    may: ["uapi/", SEAM, "host/", "core/emulated/", "ffi/", "select/"],
  },
  {
    name: "core/api",
    owns: (f) => f.startsWith("core/api/"),
    may: ["uapi/", SEAM, "select/", "core/api/"],
  },
];

/** Directories whose modules ship in the package (no static FFI or threads). */
const SHIPPED = [
  "uapi/",
  "host/",
  "core/",
  "ffi/",
  "select/",
  "conformance/",
  "nt/",
  "mod.ts",
];

/** Bare specifiers that load FFI or threads. */
const LOADS_FFI_OR_THREADS =
  /^(koffi$|bun:ffi$|node:worker_threads$|worker_threads$)/;

/** Test files and test helpers are not part of a layer's code. */
function isTestFile(f: string): boolean {
  const base = f.slice(f.lastIndexOf("/") + 1);
  return base.endsWith("_test.ts") || base.startsWith("_test_");
}

/** The import/export specifiers of `source` (comments ignored). */
export function specifiers(source: string): string[] {
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const re of patterns) {
    for (const m of code.matchAll(re)) out.push(m[1]);
  }
  return out;
}

/** Resolve a relative specifier against `file` (both root-relative). */
function resolve(file: string, spec: string): string {
  const parts = file.split("/").slice(0, -1);
  for (const p of spec.split("/")) {
    if (p === "." || p === "") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return parts.join("/");
}

/** The violations in one file, given its root-relative path and source. */
export function checkFile(file: string, source: string): Violation[] {
  if (isTestFile(file)) return [];
  const out: Violation[] = [];
  const layer = LAYERS.find((l) => l.owns(file));
  const shipped = SHIPPED.some((p) => file === p || file.startsWith(p));
  for (const spec of specifiers(source)) {
    if (spec.startsWith(".")) {
      if (!layer) continue;
      const target = resolve(file, spec);
      const ok = layer.may.some((p) =>
        p === SEAM ? isSeam(target) : target.startsWith(p)
      );
      if (!ok) {
        out.push({
          file,
          specifier: spec,
          rule: `${layer.name} may import only ${layer.may.join(", ")}`,
        });
      }
    } else if (shipped && LOADS_FFI_OR_THREADS.test(spec)) {
      out.push({
        file,
        specifier: spec,
        rule: "package modules load FFI and threads only through " +
          "host/runtime.ts, when the native backend is first used",
      });
    } else if (layer && !spec.startsWith("node:") && !spec.startsWith("bun:")) {
      out.push({
        file,
        specifier: spec,
        rule: `${layer.name} has no dependencies outside the module`,
      });
    }
  }
  return out;
}

/** Every `.ts` file under `root` (root-relative, `/`-separated). */
async function* tsFiles(root: string, dir = ""): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir ? `${root}/${dir}` : root)) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory) {
      if (
        e.name.startsWith(".") || e.name === "node_modules" || rel === "dist"
      ) {
        continue;
      }
      yield* tsFiles(root, rel);
    } else if (e.isFile && e.name.endsWith(".ts")) yield rel;
  }
}

/** Check every module under `root`. */
export async function checkTree(root: string): Promise<Violation[]> {
  const out: Violation[] = [];
  for await (const file of tsFiles(root)) {
    out.push(...checkFile(file, await Deno.readTextFile(`${root}/${file}`)));
  }
  return out;
}

if (import.meta.main) {
  const root = Deno.args[0] ?? new URL("..", import.meta.url).pathname;
  const found = await checkTree(root.replace(/\/$/, ""));
  for (const v of found) {
    console.error(`${v.file}: imports "${v.specifier}": ${v.rule}`);
  }
  if (found.length > 0) {
    console.error(`${found.length} import(s) cross the module's layers`);
    Deno.exit(1);
  }
  console.log("imports: every layer imports only what is below it");
}
