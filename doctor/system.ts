/**
 * The machine the doctor examines, as an injectable object.
 *
 * Every probe reads the system only through a {@linkcode DoctorSystem}: file
 * reads under a root directory (so a test can hand it a fake `/proc`, `/sys`,
 * `/dev`, `/lib/modules` and `/etc`), `uname -r`, the user's ids, and the
 * device opener. {@linkcode realSystem} is the live machine.
 *
 * @module
 */

/** What `stat` reports about a path (the fields the doctor uses). */
export interface PathStat {
  /** True for a character device node. */
  readonly isCharDevice: boolean;
  /** True for a regular file. */
  readonly isFile: boolean;
  /** True for a directory. */
  readonly isDirectory: boolean;
  /** Permission bits (`st_mode & 0o7777`). */
  readonly mode: number;
  /** Owner uid. */
  readonly uid: number;
  /** Group gid. */
  readonly gid: number;
  /** Device number of a device node (`st_rdev`), or 0. */
  readonly rdev: number;
}

/**
 * The outcome of trying to open `/dev/ntsync` read-only, as `open(2)` would
 * report it: success, or the errno name (`"EACCES"`, `"ENOENT"`, …).
 */
export type OpenOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: string; readonly message: string };

/**
 * File access with `open(2)`-style failures: methods return `undefined` for
 * a path that does not exist and throw for anything else (a
 * `Deno.errors.PermissionDenied` for EACCES), so probes can tell "absent"
 * from "not allowed to look".
 */
export interface DoctorFs {
  /** The file's text, or `undefined` if it does not exist. */
  readText(path: string): string | undefined;
  /** The file's bytes, or `undefined` if it does not exist. */
  readBytes(path: string): Uint8Array | undefined;
  /** The directory's entry names, or `undefined` if it does not exist. */
  readDir(path: string): string[] | undefined;
  /** A symlink's target, or `undefined` if it does not exist. */
  readLink(path: string): string | undefined;
  /** `stat` (following symlinks), or `undefined` if it does not exist. */
  stat(path: string): PathStat | undefined;
}

/** Everything the doctor's probes know of the machine. */
export interface DoctorSystem {
  /** Where `/` is: `"/"` for the live machine, a fixture tree in tests. */
  readonly root: string;
  /** File access; every path is absolute and taken relative to `root`. */
  readonly fs: DoctorFs;
  /** `uname -r`: the kernel release, e.g. `"6.14.0-1-amd64"`. */
  kernelRelease(): string;
  /** The effective uid, or `null` where it cannot be known. */
  uid(): number | null;
  /** The effective gid, or `null` where it cannot be known. */
  gid(): number | null;
  /** This process's pid (excluded from the open-fd scan). */
  pid(): number;
  /** Try `open(path, O_RDONLY | O_CLOEXEC)` and close it again at once. */
  openDevice(path: string): OpenOutcome;
}

function notFound(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound ||
    // a path whose parent is a file: treat as absent too
    (err instanceof Error && (err as { code?: string }).code === "ENOTDIR");
}

function orUndefined<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (err) {
    if (notFound(err)) return undefined;
    throw err;
  }
}

/** Join an absolute path onto a root directory. */
export function underRoot(root: string, path: string): string {
  if (root === "/" || root === "") return path;
  return root.replace(/\/+$/, "") + path;
}

/**
 * {@linkcode DoctorFs} over the real file system, with every path rooted at
 * `root` (a fixture tree in tests, `/` on the live machine).
 */
export function fsAt(root: string): DoctorFs {
  const at = (p: string) => underRoot(root, p);
  return {
    readText: (p) => orUndefined(() => Deno.readTextFileSync(at(p))),
    readBytes: (p) => orUndefined(() => Deno.readFileSync(at(p))),
    readDir: (p) =>
      orUndefined(() => [...Deno.readDirSync(at(p))].map((e) => e.name)),
    readLink: (p) => orUndefined(() => Deno.readLinkSync(at(p))),
    stat: (p) =>
      orUndefined(() => {
        const s = Deno.statSync(at(p));
        return {
          isCharDevice: s.isCharDevice === true,
          isFile: s.isFile,
          isDirectory: s.isDirectory,
          mode: (s.mode ?? 0) & 0o7777,
          uid: s.uid ?? -1,
          gid: s.gid ?? -1,
          rdev: s.rdev ?? 0,
        };
      }),
  };
}

/** An error's errno name (`"EACCES"`) when Deno recorded one. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code) return code;
  if (err instanceof Deno.errors.NotFound) return "ENOENT";
  if (err instanceof Deno.errors.PermissionDenied) return "EACCES";
  if (err instanceof Deno.errors.NotCapable) return "NOTCAPABLE";
  return "EIO";
}

/** Open read-only and close at once, reporting the errno name on failure. */
export function tryOpen(path: string): OpenOutcome {
  try {
    Deno.openSync(path, { read: true }).close();
    return { ok: true };
  } catch (err) {
    return {
      ok: false,
      code: errorCode(err),
      message: err instanceof Error ? err.message : String(err),
    };
  }
}

function tryNumber(f: () => number | null): number | null {
  try {
    return f();
  } catch {
    return null; // --allow-sys not granted, or not a Unix system
  }
}

/** The live machine. */
export function realSystem(): DoctorSystem {
  return {
    root: "/",
    fs: fsAt("/"),
    kernelRelease: () => {
      try {
        return Deno.osRelease();
      } catch {
        // no --allow-sys: the same string is readable from procfs
        return Deno.readTextFileSync("/proc/sys/kernel/osrelease").trim();
      }
    },
    uid: () => tryNumber(() => Deno.uid()),
    gid: () => tryNumber(() => Deno.gid()),
    pid: () => Deno.pid,
    openDevice: tryOpen,
  };
}
