/**
 * Telling "absent" from "not allowed to look".
 *
 * Deno 2 keeps `/proc`, `/sys` and most of `/dev` behind `--allow-all`
 * (reading them with only `--allow-read` throws `NotCapable`), and the OS
 * itself refuses some paths (EACCES, e.g. other users' `/proc/<pid>/fd`).
 * A probe that cannot look must say "unknown", never "missing".
 *
 * @module
 */

import { type Finding, finding } from "./finding.ts";
import type { DoctorSystem } from "./system.ts";

/** The fix when Deno's permissions hide the system. */
export const ALLOW_ALL_FIX: string =
  "Run the doctor with --allow-all (Deno keeps /proc, /sys and /dev behind it): " +
  "npx -y deno@2.9.6 run --allow-all doctor/main.ts";

/** What reading a path gave: its value, absence, or a refusal. */
export type Got<T> =
  | { readonly ok: true; readonly value: T | undefined }
  | { readonly ok: false; readonly byDeno: boolean; readonly message: string };

/** True for Deno's own permission refusal (as opposed to the OS's). */
export function isNotCapable(err: unknown): boolean {
  return err instanceof Deno.errors.NotCapable;
}

/** Run a {@linkcode DoctorFs} call, turning a throw into a refusal. */
export function attempt<T>(f: () => T | undefined): Got<T> {
  try {
    return { ok: true, value: f() };
  } catch (err) {
    return {
      ok: false,
      byDeno: isNotCapable(err),
      message: err instanceof Error ? err.message : String(err),
    };
  }
}

/** The value, or `undefined` when absent or refused. */
export function valueOf<T>(got: Got<T>): T | undefined {
  return got.ok ? got.value : undefined;
}

/**
 * Whether Deno's permissions let the doctor see `/proc` and `/sys`: a
 * `warn` finding with the fix when they do not, else `null`.
 */
export function checkAccess(system: DoctorSystem): Finding | null {
  const denied = ["/proc/self/status", "/sys/module"].filter((p) => {
    const got = attempt(() =>
      p.startsWith("/proc") ? system.fs.readText(p) : system.fs.stat(p)
    );
    return !got.ok && got.byDeno;
  });
  if (denied.length === 0) return null;
  return finding(
    "doctor.permissions",
    "warn",
    "permissions",
    "Deno's permissions hide /proc and /sys: several checks are partial",
    {
      detail:
        "Without --allow-all, whether the driver is loaded, the device node and " +
        "the processes using ntsync cannot be examined; the backends are still tested.",
      fix: [ALLOW_ALL_FIX],
    },
  );
}
