/**
 * libc on Deno: `Deno.dlopen` of the one table in `libc_table.ts`.
 *
 * Deno's FFI is reached through `globalThis.Deno`, typed here by the little
 * this module uses, so the same source also compiles where Deno's types are
 * absent (the npm build).
 *
 * @module
 */

import { NativeUnavailableError } from "./errors.ts";
import {
  type Libc,
  LIBC_DENO_ONLY,
  LIBC_SYMBOLS,
  type LibcSymbols,
} from "./libc_table.ts";

type Pointer = object | null;

interface DenoFfi {
  readonly build: { readonly os: string };
  readonly permissions: {
    querySync(d: { name: "ffi" }): { readonly state: string };
  };
  readonly errors: { readonly NotCapable: new () => Error };
  dlopen(
    name: string,
    symbols: typeof LIBC_SYMBOLS & typeof LIBC_DENO_ONLY,
  ): { symbols: Record<string, unknown>; close(): void };
  readonly UnsafePointer: {
    of(view: ArrayBufferView): Pointer;
    value(p: Pointer): number | bigint;
  };
  readonly UnsafePointerView: {
    getArrayBuffer(p: Pointer, length: number): ArrayBuffer;
  };
}

const NO_FFI_ADVICE =
  "run Deno with --allow-ffi (unscoped: a path-scoped --allow-ffi=... " +
  "refuses the pointer operations the native backend needs), or use " +
  'getBackend("emulated")';

/** True when this thread may use FFI without prompting. */
function ffiGranted(D: DenoFfi): boolean {
  try {
    return D.permissions.querySync({ name: "ffi" }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Load `name` as the C library through `Deno.dlopen`.
 *
 * @throws {NativeUnavailableError} `"no-ffi"` without `--allow-ffi`,
 * `"no-libc"` when the library cannot be loaded (not Linux, no glibc).
 */
export function loadDenoLibc(name: string): Libc {
  const D = (globalThis as unknown as { Deno: DenoFfi }).Deno;
  if (D.build.os !== "linux") {
    throw new NativeUnavailableError(
      "no-libc",
      `ntsync: the native backend needs Linux's C library; this is ${D.build.os}`,
    );
  }
  // Ask first: dlopen without the permission would prompt on a terminal,
  // and auto-selection must not prompt.
  if (!ffiGranted(D)) {
    throw new NativeUnavailableError(
      "no-ffi",
      `ntsync: FFI is not permitted: ${NO_FFI_ADVICE}`,
    );
  }
  let lib: ReturnType<DenoFfi["dlopen"]>;
  try {
    lib = D.dlopen(name, { ...LIBC_SYMBOLS, ...LIBC_DENO_ONLY });
  } catch (err) {
    if (err instanceof D.errors.NotCapable) {
      throw new NativeUnavailableError(
        "no-ffi",
        `ntsync: FFI is not permitted: ${NO_FFI_ADVICE}`,
        undefined,
        err,
      );
    }
    throw new NativeUnavailableError(
      "no-libc",
      `ntsync: cannot load the C library ${name}: ${
        err instanceof Error ? err.message : String(err)
      }`,
      undefined,
      err,
    );
  }
  const symbols = lib.symbols as unknown as LibcSymbols & {
    __errno_location(): Pointer;
  };
  let errno: Int32Array;
  try {
    const at = symbols.__errno_location();
    if (at === null) throw new Error("__errno_location() returned NULL");
    errno = new Int32Array(D.UnsafePointerView.getArrayBuffer(at, 4));
  } catch (err) {
    lib.close();
    const denied = err instanceof D.errors.NotCapable;
    throw new NativeUnavailableError(
      denied ? "no-ffi" : "no-libc",
      denied
        ? `ntsync: FFI pointer access is not permitted: ${NO_FFI_ADVICE}`
        : `ntsync: cannot locate errno in ${name}: ${
          err instanceof Error ? err.message : String(err)
        }`,
      undefined,
      err,
    );
  }
  const P = D.UnsafePointer;
  const heap = lib.symbols as unknown as { malloc(n: bigint): Pointer };
  return {
    name,
    symbols,
    errno,
    addressOf(view) {
      const p = P.of(view);
      return p === null ? 0n : BigInt(P.value(p));
    },
    outside: {
      alloc(bytes) {
        const p = heap.malloc(BigInt(bytes));
        if (p === null) return null;
        const view = new Uint8Array(
          D.UnsafePointerView.getArrayBuffer(p, bytes),
        );
        view.fill(0);
        return view;
      },
    },
    unload: () => lib.close(),
  };
}
