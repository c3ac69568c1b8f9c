/**
 * The ntsync driver: built in or a module, loaded or not, registered as a
 * misc device, loaded at boot; and the commands that load it.
 *
 * @module
 */

import { type Finding, finding } from "./finding.ts";
import type { KernelReport } from "./kernel.ts";
import type { DoctorSystem } from "./system.ts";

/** Where the driver comes from. */
export type DriverKind = "builtin" | "module" | "missing" | "unknown";

/** What the driver probe found. */
export interface DriverReport {
  /** Built in, a module file, absent, or not knowable from this system. */
  readonly kind: DriverKind;
  /** The module file, relative to `/lib/modules/<release>/`, when one exists. */
  readonly moduleFile: string | null;
  /** Listed in `/proc/modules` (a loaded module) or present in `/sys/module`. */
  readonly loaded: boolean;
  /** The misc minor from `/proc/misc`: the driver is registered and answering. */
  readonly miscMinor: number | null;
  /** Files under `modules-load.d` (or `/etc/modules`) that load it at boot. */
  readonly loadAtBoot: readonly string[];
  /** Running inside a container (the host's kernel decides). */
  readonly container: boolean;
  /** The verdicts. */
  readonly findings: Finding[];
}

/** The command that loads the module now. */
export const MODPROBE = "sudo modprobe ntsync";
/** The command that has systemd load the module at every boot. */
export const LOAD_AT_BOOT =
  "echo ntsync | sudo tee /etc/modules-load.d/ntsync.conf";

const MODULE_DIR = "kernel/drivers/misc/";
const MODULE_NAME = /(^|\/)ntsync\.ko(\.(xz|zst|gz))?$/;

function read(system: DoctorSystem, path: string): string | undefined {
  try {
    return system.fs.readText(path);
  } catch {
    return undefined; // not readable by this user: as good as absent
  }
}

function exists(system: DoctorSystem, path: string): boolean {
  try {
    return system.fs.stat(path) !== undefined;
  } catch {
    return false;
  }
}

/** The `ntsync` line of `/proc/modules` text, if the module is loaded. */
export function loadedModuleLine(
  procModules: string | undefined,
): string | undefined {
  return (procModules ?? "").split("\n").find((l) =>
    l.split(" ")[0] === "ntsync"
  );
}

/** The minor number `/proc/misc` lists for ntsync, or `null`. */
export function miscMinor(procMisc: string | undefined): number | null {
  for (const line of (procMisc ?? "").split("\n")) {
    const [minor, name] = line.trim().split(/\s+/);
    if (name === "ntsync" && /^\d+$/.test(minor)) return Number(minor);
  }
  return null;
}

/** Whether a `modules-load.d`-style file names the ntsync module. */
export function namesNtsync(text: string | undefined): boolean {
  return (text ?? "").split("\n").some((l) =>
    l.replace(/[#;].*/, "").trim() === "ntsync"
  );
}

function findModuleFile(system: DoctorSystem, base: string): string | null {
  for (const ext of ["", ".xz", ".zst", ".gz"]) {
    const rel = `${MODULE_DIR}ntsync.ko${ext}`;
    if (exists(system, `${base}/${rel}`)) return rel;
  }
  // DKMS and vendor builds install elsewhere (updates/, extra/): modules.dep lists them all
  for (const line of (read(system, `${base}/modules.dep`) ?? "").split("\n")) {
    const path = line.split(":")[0];
    if (MODULE_NAME.test(path)) return path;
  }
  return null;
}

function bootFiles(system: DoctorSystem): string[] {
  const found: string[] = [];
  for (
    const dir of [
      "/etc/modules-load.d",
      "/run/modules-load.d",
      "/usr/lib/modules-load.d",
      "/lib/modules-load.d",
    ]
  ) {
    let names: string[] | undefined;
    try {
      names = system.fs.readDir(dir);
    } catch {
      continue;
    }
    for (const name of (names ?? []).sort()) {
      if (
        name.endsWith(".conf") && namesNtsync(read(system, `${dir}/${name}`))
      ) {
        found.push(`${dir}/${name}`);
      }
    }
  }
  if (namesNtsync(read(system, "/etc/modules"))) found.push("/etc/modules");
  return found;
}

function kindOf(
  system: DoctorSystem,
  kernel: KernelReport,
  base: string,
  moduleFile: string | null,
): DriverKind {
  const builtin = read(system, `${base}/modules.builtin`);
  if (builtin?.split("\n").some((l) => MODULE_NAME.test(l.trim()))) {
    return "builtin";
  }
  if (kernel.configNtsync === "y") return "builtin";
  if (moduleFile !== null) return "module";
  if (kernel.configNtsync === "n") return "missing";
  // without /lib/modules for this kernel nothing says the driver is absent
  if (builtin !== undefined || exists(system, `${base}/modules.dep`)) {
    return "missing";
  }
  return "unknown";
}

/** Probe the driver, given what the kernel probe found. */
export function probeDriver(
  system: DoctorSystem,
  kernel: KernelReport,
): DriverReport {
  const base = `/lib/modules/${kernel.release}`;
  const moduleFile = findModuleFile(system, base);
  const procLine = loadedModuleLine(read(system, "/proc/modules"));
  const minor = miscMinor(read(system, "/proc/misc"));
  const container = exists(system, "/.dockerenv") ||
    exists(system, "/run/.containerenv");
  let kind = kindOf(system, kernel, base, moduleFile);
  // a registered misc device proves the driver is there, whatever the files say
  if (minor !== null && (kind === "missing" || kind === "unknown")) {
    kind = procLine ? "module" : "builtin";
  }
  const loaded = kind === "builtin" || procLine !== undefined ||
    exists(system, "/sys/module/ntsync") || minor !== null;
  const loadAtBoot = bootFiles(system);
  const findings = driverFindings(
    kind,
    moduleFile,
    loaded,
    minor,
    loadAtBoot,
    container,
    kernel,
  );
  return {
    kind,
    moduleFile,
    loaded,
    miscMinor: minor,
    loadAtBoot,
    container,
    findings,
  };
}

function driverFindings(
  kind: DriverKind,
  moduleFile: string | null,
  loaded: boolean,
  minor: number | null,
  loadAtBoot: readonly string[],
  container: boolean,
  kernel: KernelReport,
): Finding[] {
  const out: Finding[] = [];
  const label = "driver";
  const hostNote = container
    ? "This looks like a container: the host's kernel and driver are what count; " +
      "load the module on the host and pass the device in (docker/podman run --device /dev/ntsync)."
    : undefined;
  switch (kind) {
    case "builtin":
      out.push(finding("driver.kind", "ok", label, "built into the kernel"));
      break;
    case "module":
      if (loaded) {
        out.push(
          finding(
            "driver.kind",
            "ok",
            label,
            `module ${moduleFile ?? "ntsync"} loaded`,
          ),
        );
        if (loadAtBoot.length === 0) {
          out.push(
            finding(
              "driver.boot",
              "info",
              "at boot",
              "not listed in modules-load.d",
              {
                detail:
                  "Usually fine: opening /dev/ntsync loads it on demand where udev does; " +
                  "to load it at every boot regardless:",
                fix: [LOAD_AT_BOOT],
              },
            ),
          );
        } else {
          out.push(
            finding(
              "driver.boot",
              "ok",
              "at boot",
              `loaded by ${loadAtBoot.join(", ")}`,
            ),
          );
        }
      } else {
        out.push(
          finding(
            "driver.kind",
            "fail",
            label,
            `module ${moduleFile ?? "ntsync"} present but not loaded`,
            {
              detail: hostNote,
              fix: [MODPROBE, `To load it at every boot: ${LOAD_AT_BOOT}`],
            },
          ),
        );
      }
      break;
    case "missing": {
      const fix = kernel.newEnough === false
        ? ["Upgrade to Linux 6.14 or newer; then: " + MODPROBE]
        : [
          "Boot a kernel built with CONFIG_NTSYNC=m (most distribution kernels 6.14+ have it), then: " +
          MODPROBE,
        ];
      out.push(
        finding(
          "driver.kind",
          "fail",
          label,
          "no ntsync driver for this kernel",
          {
            detail: hostNote ??
              `Neither built in nor a module under /lib/modules/${kernel.release}.`,
            fix,
          },
        ),
      );
      break;
    }
    case "unknown":
      out.push(
        finding(
          "driver.kind",
          loaded ? "ok" : "warn",
          label,
          loaded ? "loaded" : "not found (no module tree for this kernel)",
          {
            detail: hostNote ??
              `/lib/modules/${kernel.release} is absent, so built-in vs module cannot be told.`,
            fix: loaded ? undefined : [MODPROBE],
          },
        ),
      );
      break;
  }
  if (minor !== null) {
    out.push(
      finding(
        "driver.misc",
        "ok",
        "registered",
        `misc device 10:${minor} in /proc/misc`,
      ),
    );
  } else if (loaded) {
    out.push(
      finding(
        "driver.misc",
        "warn",
        "registered",
        "ntsync not listed in /proc/misc",
        {
          detail:
            "The module is loaded but no misc device is registered: its initialisation failed (see dmesg).",
          fix: [
            "sudo dmesg | grep -i ntsync",
            `sudo modprobe -r ntsync && ${MODPROBE}`,
          ],
        },
      ),
    );
  }
  return out;
}
