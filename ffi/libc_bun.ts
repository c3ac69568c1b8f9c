/**
 * libc on Bun: `bun:ffi` (built in), loaded synchronously through
 * `process.getBuiltinModule` when the native backend is first used.
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

/** What this module uses of `bun:ffi`. */
interface BunFfi {
  dlopen(
    name: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): { symbols: Record<string, unknown>; close(): void };
  ptr(view: ArrayBufferView): number;
  toArrayBuffer(p: number, offset: number, length: number): ArrayBuffer;
}

/** bun:ffi's spelling of each C type of the table. */
const BUN_TYPE: Record<CType, string> = {
  i32: "i32",
  u64: "u64",
  usize: "usize",
  isize: "isize",
  buffer: "ptr",
  pointer: "ptr",
};

/**
 * Load `name` as the C library through `bun:ffi`.
 *
 * @throws {NativeUnavailableError} `"no-ffi"` without `bun:ffi`,
 * `"no-libc"` when the library cannot be loaded (not Linux, no glibc).
 */
export function loadBunLibc(name: string): Libc {
  const ffi = builtinModule<BunFfi>("bun:ffi");
  if (!ffi) {
    throw new NativeUnavailableError(
      "no-ffi",
      'ntsync: bun:ffi is not available here; use getBackend("emulated")',
    );
  }
  const required: Record<string, { args: string[]; returns: string }> = {};
  const optional: string[] = [];
  for (const [fn, def] of Object.entries(LIBC_SYMBOLS)) {
    if ("optional" in def && def.optional) optional.push(fn);
    else {
      required[fn] = {
        args: def.parameters.map((t) => BUN_TYPE[t]),
        returns: BUN_TYPE[def.result],
      };
    }
  }
  let lib: ReturnType<BunFfi["dlopen"]>;
  try {
    lib = ffi.dlopen(name, required);
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
  const extra: (() => void)[] = [];
  const symbols: Record<string, unknown> = { ...lib.symbols };
  for (const fn of optional) {
    const def = LIBC_SYMBOLS[fn as keyof typeof LIBC_SYMBOLS];
    try {
      const one = ffi.dlopen(name, {
        [fn]: {
          args: def.parameters.map((t) => BUN_TYPE[t]),
          returns: BUN_TYPE[def.result],
        },
      });
      symbols[fn] = one.symbols[fn];
      extra.push(() => one.close());
    } catch {
      symbols[fn] = null;
    }
  }
  const at = (symbols.__errno_location as () => number)();
  const errno = new Int32Array(ffi.toArrayBuffer(at, 0, 4));
  return {
    name,
    symbols: symbols as unknown as LibcSymbols,
    errno,
    addressOf(view) {
      if (view.byteLength === 0) return 0n;
      return BigInt(ffi.ptr(view));
    },
    unload: () => {
      for (const close of extra) close();
      lib.close();
    },
  };
}
