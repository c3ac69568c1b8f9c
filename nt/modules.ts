/**
 * The modules a thread runs code from (thread start functions, APCs), by
 * URL. A thread imports its start module before it starts; an APC runs
 * inside a blocking wait, where `import()` cannot be awaited, so a module
 * not yet loaded is loaded synchronously with `require` where the runtime
 * supports `require` of ES modules (Deno 2, Node 22+, Bun; it needs read
 * permission for the file), else `LoadLibrary` it first.
 *
 * @module
 */

const cache = new Map<string, Record<string, unknown>>();

/**
 * Import `url` into this thread's cache (`LoadLibrary`).
 *
 * @example
 * ```ts
 * import { loadModule } from "./modules.ts";
 * const mod = await loadModule(new URL("./status.ts", import.meta.url).href);
 * typeof mod.NT_SUCCESS; // "function"
 * ```
 */
export async function loadModule(
  url: string,
): Promise<Record<string, unknown>> {
  const hit = cache.get(url);
  if (hit) return hit;
  const mod = await import(url) as Record<string, unknown>;
  cache.set(url, mod);
  return mod;
}

/** Tell the cache about a module namespace this thread already has. */
export function registerModule(
  url: string,
  mod: Record<string, unknown>,
): void {
  cache.set(url, mod);
}

/**
 * The module at `url`, now: from the cache, or through a synchronous
 * `require` of the ES module.
 *
 * @throws {Error} when neither works (call `await k32.LoadLibrary(url)`
 * in that thread first).
 */
export function loadModuleSync(url: string): Record<string, unknown> {
  const hit = cache.get(url);
  if (hit) return hit;
  // deno-lint-ignore no-explicit-any
  const nodeProcess = (globalThis as any).process;
  const builtin = nodeProcess?.getBuiltinModule?.("module") as
    | { createRequire(from: string): (id: string) => unknown }
    | undefined;
  if (builtin) {
    try {
      const require = builtin.createRequire(import.meta.url);
      const target = url.startsWith("file:") ? new URL(url).pathname : url;
      const mod = require(target) as Record<string, unknown>;
      cache.set(url, mod);
      return mod;
    } catch (err) {
      throw new Error(
        `cannot load ${url} synchronously (${err}); call await k32.LoadLibrary(url) in this thread first`,
        { cause: err },
      );
    }
  }
  throw new Error(
    `${url} is not loaded in this thread; call await k32.LoadLibrary(url) first`,
  );
}

/** The function `exportName` of module `url`. */
export function resolveExport(
  mod: Record<string, unknown>,
  url: string,
  exportName: string,
): (...args: unknown[]) => unknown {
  const fn = mod[exportName];
  if (typeof fn !== "function") {
    throw new TypeError(`${url} has no exported function ${exportName}`);
  }
  return fn as (...args: unknown[]) => unknown;
}
