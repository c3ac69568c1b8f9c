/**
 * The backends: which can be opened here, which one `getBackend("auto")`
 * picks, and why.
 *
 * @module
 */

import type { Backend, BackendKind } from "../core/backend.ts";
import {
  type AutoChoice,
  chooseAutoBackend,
  getBackend,
} from "../select/registry.ts";
import { type Finding, finding } from "./finding.ts";

/** One backend's availability. */
export interface BackendStatus {
  /** `"native"` or `"emulated"`. */
  readonly kind: BackendKind;
  /** It could be opened. */
  readonly available: boolean;
  /**
   * Why it could not: the native backend's `NativeUnavailableError.reason`
   * (`"no-device"`, `"permission"`, `"no-ffi"`, `"no-libc"`, `"other"`), or
   * `"error"` for any other failure.
   */
  readonly reason?: string;
  /** The error message when it could not be opened. */
  readonly message?: string;
}

/** What the backend probe found. */
export interface BackendsReport {
  /** Native first, then emulated. */
  readonly backends: readonly BackendStatus[];
  /** The kind `auto` resolves to, or `null` if even that failed. */
  readonly auto: BackendKind | null;
  /** Why `auto` passed over the native backend, when it did. */
  readonly autoReason: string | null;
  /** The verdicts. */
  readonly findings: Finding[];
}

/** The registry calls the probe makes (injectable for tests). */
export interface BackendSource {
  /** `getBackend(kind)`; throws when the backend cannot be used. */
  get(kind: BackendKind): Backend;
  /** `chooseAutoBackend()`. */
  auto(): AutoChoice;
}

/** The real registry. */
export const REGISTRY: BackendSource = {
  get: (kind) => getBackend(kind),
  auto: () => chooseAutoBackend(),
};

function statusOf(source: BackendSource, kind: BackendKind): {
  status: BackendStatus;
  backend?: Backend;
} {
  try {
    return { status: { kind, available: true }, backend: source.get(kind) };
  } catch (err) {
    const r = (err as { reason?: unknown } | null)?.reason;
    return {
      status: {
        kind,
        available: false,
        reason: typeof r === "string" ? r : "error",
        message: err instanceof Error ? err.message : String(err),
      },
    };
  }
}

const NATIVE_FIX: Record<string, string> = {
  "no-device": "See /dev/ntsync above.",
  "permission": "See /dev/ntsync above: this user may not open it.",
  "no-ffi":
    "Run with --allow-ffi (deno task doctor grants it); programs using ntsync need it too.",
  "no-libc":
    "The C library could not be loaded through Deno.dlopen (is this a glibc or musl Linux?).",
};

/**
 * Open every backend, and resolve `auto`. Returns the usable backends
 * alongside the report, for the probes and runs that follow.
 */
export function probeBackends(source: BackendSource = REGISTRY): {
  report: BackendsReport;
  usable: Backend[];
} {
  const native = statusOf(source, "native");
  const emulated = statusOf(source, "emulated");
  const findings: Finding[] = [];
  const n = native.status;
  findings.push(
    n.available
      ? finding(
        "backend.native",
        "ok",
        "native",
        "usable: /dev/ntsync through libc",
      )
      : finding(
        "backend.native",
        n.reason === "no-device" ? "info" : "fail",
        "native",
        `unavailable (${n.reason})`,
        {
          detail: n.message,
          fix: NATIVE_FIX[n.reason ?? ""]
            ? [NATIVE_FIX[n.reason ?? ""]]
            : undefined,
        },
      ),
  );
  const e = emulated.status;
  findings.push(
    e.available
      ? finding(
        "backend.emulated",
        "ok",
        "emulated",
        "usable: the TypeScript engine (one process, every Worker)",
      )
      : finding(
        "backend.emulated",
        "fail",
        "emulated",
        `unavailable: ${e.message}`,
      ),
  );
  let auto: BackendKind | null = null;
  let autoReason: string | null = null;
  try {
    const choice = source.auto();
    auto = choice.backend.kind;
    autoReason = choice.reason ?? null;
    findings.push(
      finding(
        "backend.auto",
        auto === "native" ? "ok" : "info",
        "auto picks",
        auto === "native"
          ? "native"
          : n.available
          ? `emulated, because ${autoReason ?? "the registry chose it"}`
          : `emulated, because native is unavailable (${n.reason})`,
      ),
    );
  } catch (err) {
    findings.push(
      finding(
        "backend.auto",
        "fail",
        "auto picks",
        `nothing: ${err instanceof Error ? err.message : err}`,
      ),
    );
  }
  const usable = [native.backend, emulated.backend].filter((b): b is Backend =>
    b !== undefined
  );
  return {
    report: { backends: [n, e], auto, autoReason, findings },
    usable,
  };
}
