/**
 * `/dev/ntsync`: present, a character device, its mode and owner, whether
 * this user can open it, and why not.
 *
 * @module
 */

import { type Finding, finding } from "./finding.ts";
import type { DriverReport } from "./driver.ts";
import type { DoctorSystem, OpenOutcome, PathStat } from "./system.ts";
import { type Identity, nameOf } from "./users.ts";
import { ALLOW_ALL_FIX, isNotCapable } from "./access.ts";

/** The device node's path. */
export const DEVICE = "/dev/ntsync";

/** The udev rule that gives the node the kernel's own 0666 mode. */
export const UDEV_RULE: string =
  `echo 'KERNEL=="ntsync", MODE="0666"' | sudo tee /etc/udev/rules.d/70-ntsync.rules && ` +
  "sudo udevadm control --reload && sudo udevadm trigger --name-match=ntsync";

/** What the device probe found. */
export interface DeviceReport {
  /** The node's path. */
  readonly path: string;
  /** Something exists at the path (`null`: not allowed to look). */
  readonly present: boolean | null;
  /** It is a character device. */
  readonly charDevice: boolean;
  /** Permission bits as an octal string (`"0666"`), or `null`. */
  readonly mode: string | null;
  /** `major:minor`, or `null`. */
  readonly devno: string | null;
  /** Owner as `name (uid)`, or `null`. */
  readonly owner: string | null;
  /** Group as `name (gid)`, or `null`. */
  readonly group: string | null;
  /** Whether the mode bits let this user read it (`null` if unknown). */
  readonly modeAllows: boolean | null;
  /** Whether `open(O_RDONLY)` succeeded (`null` when not attempted). */
  readonly openable: boolean | null;
  /** The errno name when opening failed. */
  readonly openError: string | null;
  /** The verdicts. */
  readonly findings: Finding[];
}

/** `major:minor` of a Linux `dev_t` (glibc's encoding). */
export function devno(rdev: number): string {
  const r = BigInt(rdev);
  const major = ((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn);
  const minor = (r & 0xffn) | ((r >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/** Octal mode string such as `"0666"`. */
export function octal(mode: number): string {
  return "0" + (mode & 0o7777).toString(8).padStart(3, "0");
}

/**
 * Whether `mode`/`uid`/`gid` let this identity open the file for reading, by
 * the classic owner → group → other rule (root may always).
 */
export function modeAllowsRead(st: PathStat, who: Identity): boolean | null {
  if (who.uid === null) return null;
  if (who.uid === 0) return true;
  if (st.uid === who.uid) return (st.mode & 0o400) !== 0;
  if (who.gids.includes(st.gid)) return (st.mode & 0o040) !== 0;
  return (st.mode & 0o004) !== 0;
}

function safeStat(
  system: DoctorSystem,
  path: string,
): PathStat | undefined | Error {
  try {
    return system.fs.stat(path);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/** Probe the device node, given the driver probe's findings and who the user is. */
export function probeDevice(
  system: DoctorSystem,
  driver: DriverReport,
  who: Identity,
): DeviceReport {
  const st = safeStat(system, DEVICE);
  const base = {
    path: DEVICE,
    charDevice: false,
    mode: null,
    devno: null,
    owner: null,
    group: null,
    modeAllows: null,
    openable: null,
    openError: null,
  };
  if (st instanceof Error) {
    // not allowed to look: unknown, not missing
    const byDeno = isNotCapable(st);
    return {
      ...base,
      present: null,
      findings: [finding(
        "device.present",
        "warn",
        "/dev/ntsync",
        byDeno
          ? "not examined: Deno needs --allow-all to look at /dev"
          : `cannot stat: ${st.message}`,
        { fix: byDeno ? [ALLOW_ALL_FIX] : ["Run the doctor as root."] },
      )],
    };
  }

  if (st === undefined) {
    return { ...base, present: false, findings: [absentFinding(driver)] };
  }
  const mode = octal(st.mode);
  const owner = nameOf(who.userNames, st.uid);
  const group = nameOf(who.groupNames, st.gid);
  const common = { ...base, present: true, mode, owner, group };
  if (!st.isCharDevice) {
    return {
      ...common,
      findings: [
        finding(
          "device.present",
          "fail",
          "/dev/ntsync",
          "exists but is not a character device",
          {
            detail: "Something created a plain file or directory in its place.",
            fix: [
              `sudo rm -r ${DEVICE}`,
              "then reload the driver: sudo modprobe -r ntsync; sudo modprobe ntsync",
            ],
          },
        ),
      ],
    };
  }
  const dev = devno(st.rdev);
  const modeAllows = modeAllowsRead(st, who);
  const opened = system.openDevice(DEVICE);
  const findings: Finding[] = [
    finding(
      "device.present",
      "ok",
      "/dev/ntsync",
      `character device ${dev}, mode ${mode}, owner ${owner}, group ${group}`,
    ),
  ];
  if (driver.miscMinor !== null && dev !== `10:${driver.miscMinor}`) {
    findings.push(
      finding(
        "device.stale",
        "warn",
        "device number",
        `${dev}, but the driver is 10:${driver.miscMinor}`,
        {
          detail: "The node is stale (left over from an earlier load).",
          fix: [
            `sudo rm ${DEVICE} && sudo mknod -m 0666 ${DEVICE} c 10 ${driver.miscMinor}`,
          ],
        },
      ),
    );
  }
  findings.push(openFinding(opened, st, who, mode, group));
  return {
    ...common,
    charDevice: true,
    devno: dev,
    modeAllows,
    openable: opened.ok,
    openError: opened.ok ? null : opened.code,
    findings,
  };
}

function absentFinding(driver: DriverReport): Finding {
  const label = "/dev/ntsync";
  if (driver.miscMinor !== null) {
    // registered but no node: devtmpfs/udev did not create it (common in minimal containers)
    return finding(
      "device.present",
      "fail",
      label,
      "missing, though the driver is registered",
      {
        detail: driver.container
          ? "This looks like a container: pass the device in (docker/podman run --device /dev/ntsync)."
          : "devtmpfs or udev did not create the node.",
        fix: [`sudo mknod -m 0666 ${DEVICE} c 10 ${driver.miscMinor}`],
      },
    );
  }
  if (driver.loaded) {
    return finding("device.present", "fail", label, "missing", {
      detail: "The module is loaded but no device node exists.",
      fix: ["sudo modprobe -r ntsync && sudo modprobe ntsync"],
    });
  }
  return finding(
    "device.present",
    "fail",
    label,
    "missing: the driver is not loaded",
    {
      detail:
        "Without the node, programs use the emulated backend (same semantics, this process only).",
      fix: driver.kind === "module" ? ["sudo modprobe ntsync"] : undefined,
    },
  );
}

function openFinding(
  opened: OpenOutcome,
  st: PathStat,
  who: Identity,
  mode: string,
  group: string,
): Finding {
  const label = "open";
  if (opened.ok) {
    return finding("device.open", "ok", label, "this user can open it");
  }
  const you = who.user ?? (who.uid === null ? "this user" : `uid ${who.uid}`);
  switch (opened.code) {
    case "EACCES": {
      const fix = [
        `Now (until reboot): sudo chmod 0666 ${DEVICE}`,
        `For good, a udev rule (the kernel's own mode since 6.14 is 0666): ${UDEV_RULE}`,
      ];
      if ((st.mode & 0o040) !== 0 && st.gid !== 0) {
        const name = who.groupNames.get(st.gid) ?? String(st.gid);
        fix.push(
          who.listedGroups.includes(st.gid)
            ? `Or use the group you already joined: /etc/group lists you in ${group}, ` +
              `but this session predates it: log out and in again (or run: newgrp ${name})`
            : `Or join the device's group: sudo usermod -aG ${name} ${you}, then log out and in again`,
        );
      }
      return finding(
        "device.open",
        "fail",
        label,
        `permission denied for ${you} (mode ${mode}, group ${group})`,
        {
          detail:
            "Since 6.14 the kernel creates /dev/ntsync world-accessible (0666); " +
            "a udev rule or a manual chmod on this system made it stricter.",
          fix,
        },
      );
    }
    case "EPERM":
      return finding("device.open", "fail", label, "operation not permitted", {
        detail:
          "A container's device policy (cgroup) or a security module (SELinux, AppArmor) refuses it.",
        fix: [
          "In a container: run it with --device /dev/ntsync",
          "Check the audit log: sudo journalctl -k | grep -i -E 'avc|apparmor'",
        ],
      });
    case "ENXIO":
    case "ENODEV":
      return finding(
        "device.open",
        "fail",
        label,
        `no driver answers (${opened.code})`,
        {
          detail:
            "The node exists but its device number has no driver: the module is not loaded or the node is stale.",
          fix: [
            "sudo modprobe ntsync",
            `If it persists: sudo rm ${DEVICE} && sudo modprobe -r ntsync && sudo modprobe ntsync`,
          ],
        },
      );
    case "NOTCAPABLE":
      return finding(
        "device.open",
        "warn",
        label,
        "not tried: Deno needs --allow-all to open it",
        {
          fix: [ALLOW_ALL_FIX],
        },
      );
    default:
      return finding(
        "device.open",
        "fail",
        label,
        `open failed: ${opened.code}`,
        { detail: opened.message },
      );
  }
}
