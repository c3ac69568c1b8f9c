/**
 * The ntsync driver: built in or a module, loaded or not, registered as a
 * misc device, loaded at boot; and the commands that load it.
 *
 * @module
 */

import { type Finding, finding } from "./finding.ts";
import { GET_A_KERNEL, type KernelReport } from "./kernel.ts";
import type { DoctorSystem } from "./system.ts";
import { ALLOW_ALL_FIX, attempt, valueOf } from "./access.ts";

/** Where the driver comes from. */
export type DriverKind = "builtin" | "module" | "missing" | "unknown";

/** What the driver probe found. */
export interface DriverReport {
  /** Built in, a module file, absent, or not knowable from this system. */
  readonly kind: DriverKind;
  /** The module file, relative to `/lib/modules/<release>/`, when one exists. */
  readonly moduleFile: string | null;
  /**
   * Built in, listed in `/proc/modules`, registered in `/proc/misc` or
   * present in `/sys/module`; `null` when none of those could be read.
   */
  readonly loaded: boolean | null;
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
  const procModules = attempt(() => system.fs.readText("/proc/modules"));
  const procMisc = attempt(() => system.fs.readText("/proc/misc"));
  const sysModule = attempt(() => system.fs.stat("/sys/module/ntsync"));
  const procLine = loadedModuleLine(valueOf(procModules));
  const minor = miscMinor(valueOf(procMisc));
  const container = exists(system, "/.dockerenv") ||
    exists(system, "/run/.containerenv");
  let kind = kindOf(system, kernel, base, moduleFile);
  // a registered misc device proves the driver is there, whatever the files say
  if (minor !== null && (kind === "missing" || kind === "unknown")) {
    kind = procLine ? "module" : "builtin";
  }
  let loaded: boolean | null;
  if (
    kind === "builtin" || procLine !== undefined || minor !== null ||
    valueOf(sysModule) !== undefined
  ) loaded = true;
  else if (!procModules.ok && !procMisc.ok && !sysModule.ok) loaded = null;
  else loaded = false;
  const hidden = [procModules, procMisc, sysModule].some((g) =>
    !g.ok && g.byDeno
  );
  const loadAtBoot = bootFiles(system);
  const findings = driverFindings({
    kind,
    moduleFile,
    loaded,
    minor,
    miscReadable: procMisc.ok,
    hidden,
    loadAtBoot,
    container,
    kernel,
  });
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

interface Facts {
  kind: DriverKind;
  moduleFile: string | null;
  loaded: boolean | null;
  minor: number | null;
  miscReadable: boolean;
  hidden: boolean;
  loadAtBoot: readonly string[];
  container: boolean;
  kernel: KernelReport;
}

function driverFindings(f: Facts): Finding[] {
  const out: Finding[] = [];
  const label = "driver";
  const module = `module ${f.moduleFile ?? "ntsync"}`;
  const hostNote = f.container
    ? "This looks like a container: the host's kernel and driver are what count; " +
      "load the module on the host and pass the device in (docker/podman run --device /dev/ntsync)."
    : undefined;
  const unseen = {
    detail: "/proc/modules, /proc/misc and /sys/module could not be read.",
    fix: f.hidden ? [ALLOW_ALL_FIX] : ["Run the doctor as root."],
  };
  switch (f.kind) {
    case "builtin":
      out.push(finding("driver.kind", "ok", label, "built into the kernel"));
      break;
    case "module":
      if (f.loaded === null) {
        out.push(
          finding(
            "driver.kind",
            "warn",
            label,
            `${module} present; loaded or not cannot be seen`,
            unseen,
          ),
        );
      } else if (f.loaded) {
        out.push(finding("driver.kind", "ok", label, `${module} loaded`));
        out.push(
          f.loadAtBoot.length === 0
            ? finding(
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
            )
            : finding(
              "driver.boot",
              "ok",
              "at boot",
              `loaded by ${f.loadAtBoot.join(", ")}`,
            ),
        );
      } else {
        out.push(
          finding(
            "driver.kind",
            "fail",
            label,
            `${module} present but not loaded`,
            {
              detail: hostNote,
              fix: [MODPROBE, `To load it at every boot: ${LOAD_AT_BOOT}`],
            },
          ),
        );
      }
      break;
    case "missing": {
      const fix = f.kernel.newEnough === false
        ? ["Upgrade to Linux 6.14 or newer; then: " + MODPROBE]
        : [GET_A_KERNEL];
      out.push(
        finding(
          "driver.kind",
          "fail",
          label,
          "no ntsync driver for this kernel",
          {
            detail: hostNote ??
              `Neither built in nor a module under /lib/modules/${f.kernel.release}.`,
            fix,
          },
        ),
      );
      break;
    }
    case "unknown":
      if (f.loaded === null) {
        out.push(finding("driver.kind", "warn", label, "cannot be seen", {
          detail:
            `/lib/modules/${f.kernel.release} is absent and ${unseen.detail}`,
          fix: unseen.fix,
        }));
      } else {
        out.push(
          finding(
            "driver.kind",
            f.loaded ? "ok" : "warn",
            label,
            f.loaded ? "loaded" : "not found (no module tree for this kernel)",
            {
              detail: hostNote ??
                `/lib/modules/${f.kernel.release} is absent, so built-in vs module cannot be told.`,
              fix: f.loaded ? undefined : [MODPROBE],
            },
          ),
        );
      }
      break;
  }
  if (f.minor !== null) {
    out.push(
      finding(
        "driver.misc",
        "ok",
        "registered",
        `misc device 10:${f.minor} in /proc/misc`,
      ),
    );
  } else if (f.loaded && f.miscReadable) {
    out.push(
      finding(
        "driver.misc",
        "warn",
        "registered",
        "ntsync not listed in /proc/misc",
        {
          detail:
            "The driver is loaded but no misc device is registered: its initialisation failed (see dmesg).",
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
