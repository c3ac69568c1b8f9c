/**
 * `deno task test:doc`: runs every JSDoc example of the module's own files
 * (`deno test --doc`), so an example that no longer compiles, or whose
 * assertion no longer holds, fails CI.
 *
 * `deno test --doc` over a directory also runs that directory's `_test.ts`
 * files (minutes of suite the `test` task already runs), so this lists the
 * files that hold an example and passes exactly those.
 *
 * @module
 */

/** The directories whose modules ship (tests, benches and tools excluded). */
export const MODULE_ROOTS: readonly string[] = [
  "mod.ts",
  "uapi",
  "core",
  "select",
  "host",
  "ffi",
  "conformance",
  "doctor",
  "nt",
];

/** Whether `path` (relative, `/`-separated) is test code rather than a module. */
export function isTestCode(path: string): boolean {
  return /(^|\/)(_test_[^/]*|[^/]*_test)\.ts$/.test(path) ||
    path.includes("/testdata/");
}

/** Whether `source` holds a fenced TypeScript example in a comment. */
export function hasExample(source: string): boolean {
  return /^\s*\*\s*```ts\s*$/m.test(source);
}

/** The module files under `root` (a repository checkout) that hold an example. */
export function filesWithExamples(root: string): string[] {
  const out: string[] = [];
  const visit = (rel: string) => {
    const path = `${root}/${rel}`;
    if (Deno.statSync(path).isDirectory) {
      for (const entry of Deno.readDirSync(path)) visit(`${rel}/${entry.name}`);
      return;
    }
    if (!rel.endsWith(".ts") || isTestCode(rel)) return;
    if (hasExample(Deno.readTextFileSync(path))) out.push(rel);
  };
  for (const name of MODULE_ROOTS) visit(name);
  return out.sort();
}

if (import.meta.main) {
  const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const files = filesWithExamples(root);
  if (files.length === 0) {
    console.error("test:doc: no file with an example found (wrong root?)");
    Deno.exit(1);
  }
  console.log(`test:doc: the examples of ${files.length} files`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--doc", "--allow-all", ...files],
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  Deno.exit(code);
}
