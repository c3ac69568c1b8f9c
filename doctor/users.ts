/**
 * Who the user is: uid/gid to names (`/etc/passwd`, `/etc/group`) and the
 * supplementary groups of this process (`/proc/self/status`).
 *
 * @module
 */

import type { DoctorSystem } from "./system.ts";

/** Parse a `name:x:id:...` database (passwd or group) into id → name. */
export function parseIdDatabase(text: string | undefined): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of (text ?? "").split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const [name, , id] = line.split(":");
    const n = Number(id);
    // the first entry for an id wins, as getpwuid(3) returns it
    if (name && id !== "" && Number.isInteger(n) && !names.has(n)) {
      names.set(n, name);
    }
  }
  return names;
}

/** The groups of a `name:x:gid:member,member` group file that list `user`. */
export function groupsListing(
  text: string | undefined,
  user: string,
): number[] {
  const gids: number[] = [];
  for (const line of (text ?? "").split("\n")) {
    const [, , id, members] = line.split(":");
    if (members?.split(",").map((m) => m.trim()).includes(user)) {
      gids.push(Number(id));
    }
  }
  return gids;
}

/** The numbers of a `/proc/<pid>/status` line such as `Groups:\t4 24 27`. */
export function statusField(
  status: string | undefined,
  field: string,
): number[] | undefined {
  const line = (status ?? "").split("\n").find((l) =>
    l.startsWith(field + ":")
  );
  if (line === undefined) return undefined;
  return line.slice(field.length + 1).trim().split(/\s+/).filter(Boolean)
    .map(Number).filter(Number.isInteger);
}

/** The user's identity as far as the doctor needs it. */
export interface Identity {
  /** Effective uid (`null` if unknown). */
  readonly uid: number | null;
  /** Its name from `/etc/passwd`, if listed. */
  readonly user?: string;
  /** Effective gid (`null` if unknown). */
  readonly gid: number | null;
  /** The process's supplementary groups (kernel's view), gid included. */
  readonly gids: readonly number[];
  /** uid → name from `/etc/passwd`. */
  readonly userNames: ReadonlyMap<number, string>;
  /** gid → name from `/etc/group`. */
  readonly groupNames: ReadonlyMap<number, string>;
  /** Groups `/etc/group` lists the user in (a new login would have them). */
  readonly listedGroups: readonly number[];
}

/** Read the user's identity from the system. */
export function readIdentity(system: DoctorSystem): Identity {
  const userNames = parseIdDatabase(safeRead(system, "/etc/passwd"));
  const groupText = safeRead(system, "/etc/group");
  const groupNames = parseIdDatabase(groupText);
  const status = safeRead(system, "/proc/self/status");
  const uid = system.uid() ?? statusField(status, "Uid")?.[1] ?? null;
  const gid = system.gid() ?? statusField(status, "Gid")?.[1] ?? null;
  const gids = new Set(statusField(status, "Groups") ?? []);
  if (gid !== null) gids.add(gid);
  const user = uid === null ? undefined : userNames.get(uid);
  return {
    uid,
    user,
    gid,
    gids: [...gids].sort((a, b) => a - b),
    userNames,
    groupNames,
    listedGroups: user === undefined ? [] : groupsListing(groupText, user),
  };
}

/** `name (id)` or the bare id when the name is unknown. */
export function nameOf(names: ReadonlyMap<number, string>, id: number): string {
  const name = names.get(id);
  return name === undefined ? String(id) : `${name} (${id})`;
}

function safeRead(system: DoctorSystem, path: string): string | undefined {
  try {
    return system.fs.readText(path);
  } catch {
    return undefined; // unreadable is as good as absent here
  }
}
