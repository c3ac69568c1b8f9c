/**
 * The kernel: its version (ntsync is usable from 6.14) and, where the kernel
 * publishes its build configuration, whether `CONFIG_NTSYNC` is set.
 *
 * @module
 */

import { type Finding, finding } from "./finding.ts";
import type { DoctorSystem } from "./system.ts";
import { ALLOW_ALL_FIX, isNotCapable } from "./access.ts";

/** A kernel version as three numbers. */
export interface KernelVersion {
  /** e.g. 6 */
  readonly major: number;
  /** e.g. 14 */
  readonly minor: number;
  /** e.g. 2 (0 when the release has none) */
  readonly patch: number;
}

/** How `CONFIG_NTSYNC` is set: built in, a module, off, or not knowable. */
export type ConfigValue = "y" | "m" | "n" | "unknown";

/** What the kernel probe found. */
export interface KernelReport {
  /** `uname -r`. */
  readonly release: string;
  /** The parsed version, or `null` if the release string has none. */
  readonly version: KernelVersion | null;
  /** 6.14 or newer (`null` when the version is unknown). */
  readonly newEnough: boolean | null;
  /** Where the build configuration was read from, if anywhere. */
  readonly configSource: string | null;
  /** `CONFIG_NTSYNC`. */
  readonly configNtsync: ConfigValue;
  /** `CONFIG_MODULES` (can modules be loaded at all?). */
  readonly configModules: ConfigValue;
  /** The verdicts. */
  readonly findings: Finding[];
}

/** How to get a kernel that has ntsync (the usual fix). */
export const GET_A_KERNEL: string =
  "Boot a kernel built with CONFIG_NTSYNC=m (most distribution kernels 6.14+ have it: " +
  "Debian, Ubuntu, Fedora, Arch), then: sudo modprobe ntsync";
/** How to build one. */
export const BUILD_A_KERNEL: string =
  "Or build your own with CONFIG_NTSYNC=m (Device Drivers → Misc devices → " +
  "NT synchronization primitive emulation)";

/** The first kernel with a usable ntsync driver. */
export const FIRST_USABLE: KernelVersion = { major: 6, minor: 14, patch: 0 };

/** Parse the leading `X.Y[.Z]` of a kernel release string. */
export function parseKernelVersion(release: string): KernelVersion | null {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release.trim());
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

/** Compare two versions: negative, zero or positive like a sort comparator. */
export function compareVersions(a: KernelVersion, b: KernelVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** `CONFIG_<name>` in a kernel `.config` text: y, m, n (`is not set`) or unknown. */
export function configValue(config: string, name: string): ConfigValue {
  const m = new RegExp(
    `^(?:CONFIG_${name}=([ymn])|# CONFIG_${name} is not set)\\s*$`,
    "m",
  )
    .exec(config);
  if (!m) return "unknown";
  return (m[1] ?? "n") as ConfigValue;
}

async function gunzip(bytes: Uint8Array): Promise<string> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).text();
}

/**
 * The kernel's build configuration: `/proc/config.gz` (CONFIG_IKCONFIG_PROC)
 * or the distribution's `/boot/config-<release>`; when neither, whether
 * Deno's permissions hid `/proc/config.gz`.
 */
export async function readKernelConfig(
  system: DoctorSystem,
  release: string,
): Promise<{ source: string; text: string } | { hidden: boolean }> {
  let hidden = false;
  try {
    const gz = system.fs.readBytes("/proc/config.gz");
    if (gz) return { source: "/proc/config.gz", text: await gunzip(gz) };
  } catch (err) {
    // unreadable or corrupt: try the next source
    hidden = isNotCapable(err);
  }
  const boot = `/boot/config-${release}`;
  try {
    const text = system.fs.readText(boot);
    if (text !== undefined) return { source: boot, text };
  } catch {
    // unreadable: the configuration stays unknown
  }
  return { hidden };
}

function versionFinding(release: string, v: KernelVersion | null): Finding {
  const label = "kernel";
  if (!v) {
    return finding(
      "kernel.version",
      "warn",
      label,
      `${release} (version not recognised)`,
      {
        detail: "ntsync needs Linux 6.14 or newer.",
      },
    );
  }
  const text = `${v.major}.${v.minor}.${v.patch}`;
  if (compareVersions(v, FIRST_USABLE) >= 0) {
    return finding(
      "kernel.version",
      "ok",
      label,
      `${release} (6.14+ has ntsync)`,
    );
  }
  const upgrade = [
    "Upgrade to Linux 6.14 or newer (your distribution's newer kernel, e.g. a backports or HWE kernel).",
  ];
  if (v.major === 6 && v.minor >= 10) {
    return finding(
      "kernel.version",
      "fail",
      label,
      `${text}: too old, 6.14+ needed`,
      {
        detail:
          "6.10 to 6.13 carry only a partial ntsync driver that depends on BROKEN " +
          "and cannot be built; the complete driver arrived in 6.14.",
        fix: upgrade,
      },
    );
  }
  return finding(
    "kernel.version",
    "fail",
    label,
    `${text}: too old, 6.14+ needed`,
    {
      detail: "ntsync was merged in Linux 6.14.",
      fix: upgrade,
    },
  );
}

function configFinding(
  source: string | null,
  ntsync: ConfigValue,
  modules: ConfigValue,
  hidden = false,
): Finding {
  const label = "CONFIG_NTSYNC";
  if (source === null && hidden) {
    return finding(
      "kernel.config",
      "info",
      label,
      "not examined: Deno needs --allow-all to read /proc/config.gz",
      {
        fix: [ALLOW_ALL_FIX],
      },
    );
  }
  if (source === null || ntsync === "unknown") {
    return finding(
      "kernel.config",
      "info",
      label,
      "build configuration not published",
      {
        detail:
          "Neither /proc/config.gz nor /boot/config-<release> says; the driver checks below decide.",
      },
    );
  }
  if (ntsync === "y") {
    return finding("kernel.config", "ok", label, `=y (built in; ${source})`);
  }
  if (ntsync === "m") {
    if (modules === "n") {
      // a contradiction a hand-edited config could contain; the module cannot load
      return finding(
        "kernel.config",
        "fail",
        label,
        `=m but CONFIG_MODULES is off (${source})`,
      );
    }
    return finding("kernel.config", "ok", label, `=m (a module; ${source})`);
  }
  return finding(
    "kernel.config",
    "fail",
    label,
    `not set: this kernel has no ntsync (${source})`,
    {
      fix: [GET_A_KERNEL, BUILD_A_KERNEL],
    },
  );
}

/** Probe the kernel version and build configuration. */
export async function probeKernel(system: DoctorSystem): Promise<KernelReport> {
  const release = system.kernelRelease();
  const version = parseKernelVersion(release);
  const read = await readKernelConfig(system, release);
  const config = "text" in read ? read : null;
  const hidden = "hidden" in read && read.hidden;
  const configNtsync = config ? configValue(config.text, "NTSYNC") : "unknown";
  const configModules = config
    ? configValue(config.text, "MODULES")
    : "unknown";
  const configSource = config?.source ?? null;
  return {
    release,
    version,
    newEnough: version ? compareVersions(version, FIRST_USABLE) >= 0 : null,
    configSource,
    configNtsync,
    configModules,
    findings: [
      versionFinding(release, version),
      configFinding(configSource, configNtsync, configModules, hidden),
    ],
  };
}
