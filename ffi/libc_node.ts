/**
 * libc on Node: `koffi`, an optional dependency of the npm package (prebuilt
 * binaries inside the package, no compiler needed), required synchronously
 * from this module's location when the native backend is first used.
 *
 * koffi keeps each thread's `errno` after every call it makes
 * (`koffi.errno()`), so errno is read on the calling thread, as with the
 * mapped variable on Deno and Bun.
 *
 * @module
 */

import { builtinModule } from "../host/runtime.ts";
import { NativeUnavailableError } from "./errors.ts";
import {
  type CType,
  type Libc,
  LIBC_SYMBOLS,
  type LibcSymbols,
} from "./libc_table.ts";

/** What this module uses of koffi. */
interface Koffi {
  load(name: string): {
    func(name: string, result: string, params: string[]): unknown;
    unload?(): void;
  };
  errno(): number;
}

/** koffi's spelling of each C type of the table. */
const KOFFI_TYPE: Record<CType, string> = {
  i32: "int32_t",
  u64: "uint64_t",
  usize: "size_t",
  isize: "intptr_t",
  buffer: "void *",
  pointer: "void *",
};

/** How to get koffi, for the error that says it is missing. */
export const KOFFI_ADVICE =
  "install the optional dependency koffi next to ntsync (`npm install " +
  'koffi`), or use getBackend("emulated")';

function requireKoffi(): Koffi {
  const mod = builtinModule<
    { createRequire(from: string): (id: string) => unknown }
  >("node:module");
  if (!mod) {
    throw new NativeUnavailableError(
      "no-ffi",
      "ntsync: the native backend on Node needs process.getBuiltinModule " +
        '(Node 20.16 or later); use getBackend("emulated")',
    );
  }
  try {
    return mod.createRequire(import.meta.url)("koffi") as Koffi;
  } catch (err) {
    throw new NativeUnavailableError(
      "no-ffi",
      `ntsync: the native backend on Node needs the koffi package: ${KOFFI_ADVICE}`,
      undefined,
      err,
    );
  }
}

/**
 * Load `name` as the C library through koffi.
 *
 * @throws {NativeUnavailableError} `"no-ffi"` without koffi, `"no-libc"`
 * when the library cannot be loaded (not Linux, no glibc).
 */
export function loadNodeLibc(name: string): Libc {
  const koffi = requireKoffi();
  let lib: ReturnType<Koffi["load"]>;
  try {
    lib = koffi.load(name);
  } catch (err) {
    throw new NativeUnavailableError(
      "no-libc",
      `ntsync: cannot load the C library ${name}: ${
        err instanceof Error ? err.message : String(err)
      }`,
      undefined,
      err,
    );
  }
  const table: Record<string, unknown> = {};
  for (const [fn, def] of Object.entries(LIBC_SYMBOLS)) {
    if (fn === "__errno_location") continue; // koffi.errno() instead
    try {
      table[fn] = lib.func(
        fn,
        KOFFI_TYPE[def.result],
        def.parameters.map((t) => KOFFI_TYPE[t]),
      );
    } catch (err) {
      if ("optional" in def && def.optional) table[fn] = null;
      else {
        throw new NativeUnavailableError(
          "no-libc",
          `ntsync: ${name} has no ${fn}: ${
            err instanceof Error ? err.message : String(err)
          }`,
          undefined,
          err,
        );
      }
    }
  }
  // `memmove(p, p, 0)` returns p: the address koffi passes for a view,
  // which is the view's own memory (koffi passes typed arrays by
  // reference).
  const memmove = lib.func("memmove", "uintptr_t", [
    "void *",
    "void *",
    "size_t",
  ]) as (d: ArrayBufferView, s: ArrayBufferView, n: number) => number | bigint;
  const errno = Object.freeze({
    get 0(): number {
      return koffi.errno();
    },
  });
  return {
    name,
    symbols: table as unknown as LibcSymbols,
    errno,
    addressOf(view) {
      if (view.byteLength === 0) return 0n;
      return BigInt(memmove(view, view, 0));
    },
    unload: () => lib.unload?.(),
  };
}
