import assert from "node:assert/strict";
const assertEquals = (a: unknown, b: unknown, msg?: string) =>
  assert.deepEqual(a, b, msg);
import { checkFile, checkTree, specifiers } from "./check_imports.ts";

Deno.test("check_imports: the module's own tree crosses no layer", async () => {
  const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  assertEquals(await checkTree(root), []);
});

Deno.test("check_imports: core/ importing ffi/ is a violation", () => {
  const found = checkFile(
    "core/emulated/backend.ts",
    'import { libc } from "../../ffi/libc.ts";\n',
  );
  assertEquals(found.map((v) => v.specifier), ["../../ffi/libc.ts"]);
});

Deno.test("check_imports: the typed API may not reach the engine or ffi/ directly", () => {
  const found = checkFile(
    "core/api/device.ts",
    'import { getBackend } from "../../select/registry.ts";\n' +
      'export { EmulatedBackend } from "../emulated/backend.ts";\n' +
      'import type { Libc } from "../../ffi/libc.ts";\n',
  );
  assertEquals(found.map((v) => v.specifier), [
    "../emulated/backend.ts",
    "../../ffi/libc.ts",
  ]);
});

Deno.test("check_imports: the seam imports nothing of the engine, ffi/ or select/", () => {
  for (
    const spec of [
      "./emulated/backend.ts",
      "../ffi/native.ts",
      "../select/registry.ts",
    ]
  ) {
    assertEquals(
      checkFile("core/backend.ts", `import "${spec}";\n`).length,
      1,
      spec,
    );
  }
  assertEquals(checkFile("core/errors.ts", 'import "../uapi/errno.ts";'), []);
});

Deno.test("check_imports: ffi/ may not import the engine or the typed API", () => {
  assertEquals(
    checkFile("ffi/native.ts", 'import "../core/emulated/state.ts";').length,
    1,
  );
  assertEquals(
    checkFile("ffi/native.ts", 'import "../core/api/mod.ts";').length,
    1,
  );
  assertEquals(checkFile("ffi/native.ts", 'import "../core/errors.ts";'), []);
});

Deno.test("check_imports: static FFI or thread imports in package code are violations", () => {
  for (const spec of ["koffi", "bun:ffi", "node:worker_threads"]) {
    assertEquals(
      checkFile("ffi/wait_pool.ts", `import x from "${spec}";`).length,
      1,
      spec,
    );
    assertEquals(
      checkFile("mod.ts", `export * from "${spec}";`).length,
      1,
      spec,
    );
  }
  // Tests and tools may use them.
  assertEquals(
    checkFile("tests/x_test.ts", 'import "node:worker_threads";'),
    [],
  );
});

Deno.test("check_imports: specifiers ignore comments, find dynamic imports", () => {
  const src = [
    "/**",
    ' * import { x } from "../ffi/libc.ts";',
    " */",
    '// import "../ffi/a.ts";',
    'import type { A } from "./a.ts";',
    'export { b } from "./b.ts";',
    'const c = await import("./c.ts");',
    'import "./d.ts";',
  ].join("\n");
  assertEquals(specifiers(src).sort(), [
    "./a.ts",
    "./b.ts",
    "./c.ts",
    "./d.ts",
  ]);
});
