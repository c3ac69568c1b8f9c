/**
 * A fake machine for the doctor's unit tests: a real directory tree in a
 * temporary directory (read through the same {@linkcode fsAt} as the live
 * machine), plus the parts a tree cannot express as a non-root test user:
 * a character device's stat, the result of opening it, and paths that
 * refuse to be read.
 *
 * @module
 */

import {
  type DoctorSystem,
  fsAt,
  type OpenOutcome,
  type PathStat,
} from "../system.ts";

/** How to build a fake machine. */
export interface FakeMachine {
  /** File contents by absolute path. */
  files?: Record<string, string | Uint8Array>;
  /** Symlinks by absolute path → target (targets need not exist). */
  links?: Record<string, string>;
  /** Empty directories to create. */
  dirs?: string[];
  /** `uname -r`. */
  release?: string;
  /** Effective uid (default 1000). */
  uid?: number;
  /** Effective gid (default 1000). */
  gid?: number;
  /** This process's pid (default 4242). */
  pid?: number;
  /**
   * `/dev/ntsync` as a character device with these stat fields (a fixture
   * tree cannot hold a real device node); omit for no device at all.
   */
  device?: Partial<PathStat>;
  /** What opening `/dev/ntsync` does (default: success when `device` is set). */
  open?: OpenOutcome;
  /** Path prefixes whose reads fail with permission denied (EACCES). */
  denied?: string[];
  /** Path prefixes Deno's permissions refuse (`NotCapable`, no --allow-all). */
  notCapable?: string[];
}

/** A fake machine: the system to probe, and a disposer that deletes its tree. */
export interface FakeSystem extends Disposable {
  /** The system to hand to probes. */
  readonly system: DoctorSystem;
  /** The temporary root directory. */
  readonly root: string;
}

/** The stat of a typical `/dev/ntsync` (0666, root:root, 10:125). */
export const DEFAULT_DEVICE: PathStat = {
  isCharDevice: true,
  isFile: false,
  isDirectory: false,
  mode: 0o666,
  uid: 0,
  gid: 0,
  rdev: (10 << 8) | 125,
};

/** Build a fake machine in a new temporary directory. */
export function fakeSystem(m: FakeMachine = {}): FakeSystem {
  const root = Deno.makeTempDirSync({ prefix: "ntsync-doctor-" });
  const mkParent = (p: string) =>
    Deno.mkdirSync(root + p.slice(0, p.lastIndexOf("/")), { recursive: true });
  for (const dir of m.dirs ?? []) {
    Deno.mkdirSync(root + dir, { recursive: true });
  }
  for (const [path, content] of Object.entries(m.files ?? {})) {
    mkParent(path);
    if (typeof content === "string") {
      Deno.writeTextFileSync(root + path, content);
    } else Deno.writeFileSync(root + path, content);
  }
  for (const [path, target] of Object.entries(m.links ?? {})) {
    mkParent(path);
    Deno.symlinkSync(target, root + path);
  }
  const real = fsAt(root);
  const under = (list: string[] | undefined, p: string) =>
    (list ?? []).some((d) => p === d || p.startsWith(d + "/"));
  const deny = (p: string) => {
    if (under(m.notCapable, p)) {
      throw new Deno.errors.NotCapable(
        `Requires all access to "${p}", run again with the --allow-all flag`,
      );
    }
    if (under(m.denied, p)) {
      throw new Deno.errors.PermissionDenied(
        `Permission denied (os error 13): ${p}`,
      );
    }
  };
  const device = m.device ? { ...DEFAULT_DEVICE, ...m.device } : undefined;
  const system: DoctorSystem = {
    root,
    fs: {
      readText: (p) => (deny(p), real.readText(p)),
      readBytes: (p) => (deny(p), real.readBytes(p)),
      readDir: (p) => (deny(p), real.readDir(p)),
      readLink: (p) => (deny(p), real.readLink(p)),
      stat: (p) => {
        deny(p);
        if (p === "/dev/ntsync" && device) return device;
        return real.stat(p);
      },
    },
    kernelRelease: () => m.release ?? "6.14.0-1-amd64",
    uid: () => m.uid ?? 1000,
    gid: () => m.gid ?? 1000,
    pid: () => m.pid ?? 4242,
    openDevice: () =>
      m.open ?? (device ? { ok: true } : {
        ok: false,
        code: "ENOENT",
        message: "No such file or directory (os error 2)",
      }),
  };
  return {
    system,
    root,
    [Symbol.dispose]() {
      Deno.removeSync(root, { recursive: true });
    },
  };
}
