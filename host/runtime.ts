/**
 * Which JavaScript runtime this is, and its built-in modules, reached
 * synchronously and only when asked for: importing this module loads
 * nothing (no FFI, no `node:worker_threads`), so a user of the emulated
 * backend never pulls them in.
 *
 * @module
 */

/** The runtimes the module runs on. */
export type RuntimeName = "deno" | "bun" | "node";

interface ProcessLike {
  readonly pid?: number;
  readonly platform?: string;
  readonly arch?: string;
  readonly versions?: Record<string, string | undefined>;
  getBuiltinModule?(id: string): unknown;
}

interface DenoLike {
  readonly pid: number;
  readonly build: { readonly os: string; readonly arch: string };
}

const g = globalThis as {
  Deno?: DenoLike;
  Bun?: unknown;
  process?: ProcessLike;
};

/**
 * The runtime this code runs on (`"node"` for anything that is neither
 * Deno nor Bun).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runtimeName } from "./runtime.ts";
 * assert.ok(["deno", "bun", "node"].includes(runtimeName()));
 * ```
 */
export function runtimeName(): RuntimeName {
  if (g.Deno !== undefined) return "deno";
  if (g.Bun !== undefined) return "bun";
  return "node";
}

/**
 * A built-in module (`"node:worker_threads"`, `"bun:ffi"`, ...) loaded
 * synchronously through `process.getBuiltinModule` (Node 20.16+, Deno 2,
 * Bun), or undefined where the runtime cannot give it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { builtinModule } from "./runtime.ts";
 * const os = builtinModule<{ EOL: string }>("node:os");
 * assert.equal(os?.EOL, "\n"); // on Linux
 * ```
 */
export function builtinModule<T>(id: string): T | undefined {
  const get = g.process?.getBuiltinModule;
  if (typeof get !== "function") return undefined;
  try {
    return (get.call(g.process, id) ?? undefined) as T | undefined;
  } catch {
    return undefined;
  }
}

/**
 * The operating system, in Node's `process.platform` spelling (`"linux"`,
 * `"darwin"`, `"windows"` on Deno / `"win32"` elsewhere).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { osName } from "./runtime.ts";
 * assert.ok(["linux", "darwin", "windows", "win32"].includes(osName())); // "linux" where ntsync is
 * ```
 */
export function osName(): string {
  return g.Deno?.build.os ?? g.process?.platform ?? "unknown";
}

/**
 * The CPU architecture in the kernel's spelling (`"x86_64"`, `"aarch64"`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { archName } from "./runtime.ts";
 * assert.equal(typeof archName(), "string");
 * assert.ok(archName().length > 0); // "x86_64" here
 * ```
 */
export function archName(): string {
  if (g.Deno) return g.Deno.build.arch;
  const arch = g.process?.arch;
  return arch === "x64"
    ? "x86_64"
    : arch === "arm64"
    ? "aarch64"
    : arch ?? "unknown";
}

/**
 * This process's id.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { processId } from "./runtime.ts";
 * assert.ok(processId() > 0);
 * ```
 */
export function processId(): number {
  return g.Deno?.pid ?? g.process?.pid ?? 0;
}
