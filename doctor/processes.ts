/**
 * Which processes use ntsync now: `/proc/<pid>/fd` links to `/dev/ntsync`
 * (instances) and to `anon_inode:ntsync` (objects), named from
 * `/proc/<pid>/comm` and `cmdline`. Answers "is Wine using it?", and which
 * Wine and Proton ntsync switches (see switches.ts) the Wine processes and
 * the doctor's own environment set.
 *
 * @module
 */

import { type Finding, finding } from "./finding.ts";
import type { DoctorSystem } from "./system.ts";
import { ALLOW_ALL_FIX, isNotCapable } from "./access.ts";
import {
  describeSwitch,
  SWITCH_NAMES,
  switchesIn,
  type SwitchSetting,
} from "./switches.ts";

/** What a process is, as far as Wine goes. */
export type WineRole = "wineserver" | "wine" | null;

/** A process holding ntsync fds. */
export interface NtsyncHolder {
  /** Its pid. */
  readonly pid: number;
  /** `/proc/<pid>/comm` (the kernel's 15-character name). */
  readonly comm: string;
  /** `/proc/<pid>/cmdline`, arguments joined by spaces (may be empty). */
  readonly cmdline: string;
  /** fds open on `/dev/ntsync` (instances). */
  readonly deviceFds: number;
  /** fds of ntsync objects (`anon_inode:ntsync`). */
  readonly objectFds: number;
  /** The Wine part it plays, or `null`. */
  readonly wine: WineRole;
}

/** A Wine process seen (whether or not it holds ntsync fds). */
export interface WineProcess {
  /** Its pid. */
  readonly pid: number;
  /** Its comm. */
  readonly comm: string;
  /** The Wine part it plays. */
  readonly role: Exclude<WineRole, null>;
  /** The ntsync switches its environment sets (empty if unreadable). */
  readonly switches: readonly SwitchSetting[];
}

/** What the process scan found. */
export interface ProcessReport {
  /** Processes with at least one ntsync fd, by pid. */
  readonly holders: readonly NtsyncHolder[];
  /** Every Wine process seen, holding ntsync or not. */
  readonly wineProcesses: readonly WineProcess[];
  /** Processes whose fds could be listed. */
  readonly inspected: number;
  /** Processes whose fds could not be listed (permission denied). */
  readonly uninspectable: number;
  /**
   * The ntsync switches the doctor's own environment sets: a Wine started
   * from the same shell inherits them.
   */
  readonly ownSwitches: readonly SwitchSetting[];
  /** The verdicts. */
  readonly findings: Finding[];
}

const DEVICE_LINK = /^\/dev\/ntsync( \(deleted\))?$/;
const OBJECT_LINK = "anon_inode:ntsync";

/** The Wine role of a process from its comm and argv[0]. */
export function wineRole(comm: string, argv0: string): WineRole {
  const base = argv0.split(/[\\/]/).pop() ?? "";
  if (comm === "wineserver" || base === "wineserver") return "wineserver";
  // Wine's own loaders, then Windows programs (comm is the .exe's name, cut to 15 chars)
  if (
    /^wine(64)?(-preloader)?$/.test(comm) ||
    /^wine(64)?(-preloader)?$/.test(base)
  ) return "wine";
  if (/\.exe$/i.test(base) || /\.exe$/i.test(comm)) return "wine";
  return null;
}

function read(system: DoctorSystem, path: string): string {
  try {
    return system.fs.readText(path) ?? "";
  } catch {
    return "";
  }
}

type Scan =
  | { kind: "gone" }
  | { kind: "denied" }
  | { kind: "ok"; deviceFds: number; objectFds: number };

function scanFds(system: DoctorSystem, pid: number): Scan {
  let fds: string[] | undefined;
  try {
    fds = system.fs.readDir(`/proc/${pid}/fd`);
  } catch (err) {
    if (err instanceof Deno.errors.PermissionDenied) return { kind: "denied" };
    return { kind: "gone" };
  }
  if (fds === undefined) return { kind: "gone" }; // exited while we looked
  let deviceFds = 0;
  let objectFds = 0;
  for (const fd of fds) {
    let target: string | undefined;
    try {
      target = system.fs.readLink(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    if (target === undefined) continue;
    if (DEVICE_LINK.test(target)) deviceFds++;
    else if (target === OBJECT_LINK) objectFds++;
  }
  return { kind: "ok", deviceFds, objectFds };
}

/** Scan `/proc` for ntsync users (this process excluded). */
export function probeProcesses(system: DoctorSystem): ProcessReport {
  let entries: string[] = [];
  let hidden = false;
  try {
    entries = system.fs.readDir("/proc") ?? [];
  } catch (err) {
    // no procfs to read: reported below as nothing inspected
    hidden = isNotCapable(err);
  }
  const self = system.pid();
  const pids = entries.filter((e) => /^\d+$/.test(e)).map(Number)
    .filter((p) => p !== self).sort((a, b) => a - b);
  const holders: NtsyncHolder[] = [];
  const wineProcesses: WineProcess[] = [];
  let inspected = 0;
  let uninspectable = 0;
  for (const pid of pids) {
    const comm = read(system, `/proc/${pid}/comm`).trim();
    const argv = read(system, `/proc/${pid}/cmdline`).split("\0").filter(
      Boolean,
    );
    const role = wineRole(comm, argv[0] ?? "");
    if (role) {
      const switches = switchesIn(read(system, `/proc/${pid}/environ`));
      wineProcesses.push({ pid, comm, role, switches });
    }
    const scan = scanFds(system, pid);
    if (scan.kind === "denied") uninspectable++;
    if (scan.kind !== "ok") continue;
    inspected++;
    if (scan.deviceFds + scan.objectFds === 0) continue;
    holders.push({
      pid,
      comm,
      cmdline: argv.join(" "),
      deviceFds: scan.deviceFds,
      objectFds: scan.objectFds,
      wine: role,
    });
  }
  const ownSwitches = switchesIn(read(system, `/proc/${self}/environ`));
  return {
    holders,
    wineProcesses,
    inspected,
    uninspectable,
    ownSwitches,
    findings: [
      ...processFindings(
        holders,
        wineProcesses,
        inspected,
        uninspectable,
        hidden,
      ),
      ...switchFindings(wineProcesses, ownSwitches),
    ],
  };
}

/**
 * One line per environment that sets a Wine or Proton ntsync switch (a
 * warning where the value keeps ntsync off), or one line saying none does.
 */
export function switchFindings(
  wine: readonly WineProcess[],
  own: readonly SwitchSetting[],
): Finding[] {
  const line = (
    who: string,
    switches: readonly SwitchSetting[],
  ): Finding =>
    finding(
      "processes.switches",
      switches.some((s) => s.disables) ? "warn" : "info",
      "switches",
      `${who} sets ${switches.map((s) => `${s.name}=${s.value}`).join(", ")}`,
      { detail: switches.map(describeSwitch).join("\n") },
    );
  const out: Finding[] = [];
  if (own.length > 0) {
    out.push(line("this environment (Wine started from it inherits it)", own));
  }
  for (const w of wine) {
    if (w.switches.length > 0) {
      out.push(line(`${w.comm} (${w.pid})`, w.switches));
    }
  }
  if (out.length === 0) {
    out.push(
      finding(
        "processes.switches",
        "info",
        "switches",
        `none set (${SWITCH_NAMES.join(", ")})`,
        {
          detail:
            "Upstream Wine has no switch: it uses ntsync whenever its wineserver can open /dev/ntsync when it starts. " +
            "Proton 10 needs PROTON_USE_NTSYNC=1; Proton 11 uses it unless PROTON_NO_NTSYNC=1.",
        },
      ),
    );
  }
  return out;
}

function plural(n: number, word: string): string {
  if (n === 1) return `${n} ${word}`;
  return `${n} ${word}${word.endsWith("s") ? "es" : "s"}`;
}

/** One holder as `comm (pid): 1 instance, 12 objects`. */
export function describeHolder(h: NtsyncHolder): string {
  const parts = [];
  if (h.deviceFds) parts.push(plural(h.deviceFds, "instance"));
  if (h.objectFds) parts.push(plural(h.objectFds, "object"));
  return `${h.comm || "?"} (${h.pid}): ${parts.join(", ")}`;
}

function processFindings(
  holders: NtsyncHolder[],
  wine: WineProcess[],
  inspected: number,
  uninspectable: number,
  hidden: boolean,
): Finding[] {
  const out: Finding[] = [];
  const label = "users";
  if (inspected === 0 && uninspectable === 0) {
    out.push(
      finding(
        "processes.holders",
        "skip",
        label,
        hidden
          ? "not examined: Deno needs --allow-all to read /proc"
          : "/proc is not readable",
        { fix: hidden ? [ALLOW_ALL_FIX] : undefined },
      ),
    );
  } else if (holders.length === 0) {
    out.push(
      finding(
        "processes.holders",
        "info",
        label,
        `no process has ntsync open (${
          plural(inspected, "process")
        } inspected)`,
      ),
    );
  } else {
    out.push(
      finding(
        "processes.holders",
        "info",
        label,
        `${plural(holders.length, "process")} use ntsync`,
        {
          detail: holders.map(describeHolder).join("\n"),
        },
      ),
    );
  }
  const wineUsing = holders.filter((h) => h.wine !== null);
  const holderPids = new Set(holders.map((h) => h.pid));
  const server = wine.find((w) => w.role === "wineserver");
  if (wineUsing.length > 0) {
    out.push(
      finding(
        "processes.wine",
        "ok",
        "Wine",
        `uses ntsync (${
          wineUsing.map((h) => `${h.comm} ${h.pid}`).join(", ")
        })`,
      ),
    );
  } else if (server && !holderPids.has(server.pid)) {
    out.push(
      finding(
        "processes.wine",
        "warn",
        "Wine",
        `wineserver (${server.pid}) runs without ntsync`,
        {
          detail:
            "Wine 10.16+ uses ntsync when it was built with the ntsync header and can open /dev/ntsync " +
            "when the wineserver starts; a wineserver started before the device was usable keeps the old path.",
          fix: [
            "Fix any /dev/ntsync problem above, then restart the prefix: wineserver -k",
          ],
        },
      ),
    );
  }
  if (uninspectable > 0) {
    out.push(
      finding(
        "processes.denied",
        "info",
        "not inspected",
        `could not inspect ${plural(uninspectable, "process")}`,
        {
          detail:
            "Their /proc/<pid>/fd is not readable by this user; run the doctor as root to see them.",
        },
      ),
    );
  }
  return out;
}
