/**
 * Builds the guest's root filesystem as a directory tree on the host (the
 * "staging tree"), then packs it into an initramfs.
 *
 * The project and the DENO_DIR keep their host absolute paths in the guest,
 * so file URLs, lockfile entries and Deno's caches (keyed by those paths)
 * are the same on both sides.
 *
 * @module
 */

import { dirname, join, relative } from "node:path";
import { type ByteSink, type CpioEntry, writeCpio } from "./cpio.ts";
import { BUSYBOX } from "./host_tools.ts";
import { exists, run } from "./exec.ts";
import { parseLdd } from "./ldd.ts";

/** Guest path of the module. */
export const GUEST_MODULE = "/lib/modules/ntsync.ko";
/** Guest path of the deno binary. */
export const GUEST_DENO = "/usr/local/bin/deno";

/** What goes into the guest. */
export interface StageInputs {
  /** The staging tree to create (must not exist yet). */
  root: string;
  /** Absolute path of the repository on the host (and in the guest). */
  repoRoot: string;
  /** Repository-relative paths of the project files to copy. */
  projectFiles: string[];
  /** The real deno ELF binary. */
  denoBin: string;
  /** The decompressed ntsync.ko. */
  ntsyncKo: string;
  /** Text of /init. */
  init: string;
  /** More binaries (node, bun), each with the libraries ldd names. */
  extraBinaries?: readonly { bin: string; guestPath: string }[];
}

/** Maps a guest absolute path into the staging tree. */
function inRoot(root: string, guestPath: string): string {
  return join(root, guestPath.replace(/^\/+/, ""));
}

/** Copies one file, symlink or directory tree, keeping modes. */
async function copyTree(src: string, dest: string): Promise<void> {
  const st = await Deno.lstat(src);
  if (st.isSymlink) {
    await Deno.symlink(await Deno.readLink(src), dest);
  } else if (st.isDirectory) {
    await Deno.mkdir(dest, { recursive: true });
    for await (const e of Deno.readDir(src)) {
      await copyTree(join(src, e.name), join(dest, e.name));
    }
  } else if (st.isFile) {
    await Deno.copyFile(src, dest);
  }
  // Sockets, fifos and devices are skipped: nothing in a project needs them.
}

async function put(root: string, guestPath: string, src: string) {
  const dest = inRoot(root, guestPath);
  await Deno.mkdir(dirname(dest), { recursive: true });
  await copyTree(src, dest);
}

async function write(
  root: string,
  guestPath: string,
  text: string,
  mode = 0o644,
) {
  const dest = inRoot(root, guestPath);
  await Deno.mkdir(dirname(dest), { recursive: true });
  await Deno.writeTextFile(dest, text, { mode });
  await Deno.chmod(dest, mode); // writeTextFile's mode is masked by umask
}

/**
 * Puts an ELF binary at `guestPath`, with the shared libraries `ldd` names
 * at their own paths.
 */
export async function putBinary(
  root: string,
  guestPath: string,
  bin: string,
): Promise<void> {
  await put(root, guestPath, bin);
  // ldd exits 1 for a static binary; parseLdd knows that answer.
  const ldd = await run("ldd", [bin], { allowFailure: true });
  if (
    ldd.code !== 0 && !/not a dynamic executable/.test(ldd.stdout + ldd.stderr)
  ) {
    throw new Error(`ldd ${bin} failed: ${ldd.stderr.trim()}`);
  }
  for (const lib of parseLdd(ldd.stdout)) {
    // Copy the content (follow symlinks: libc.so.6 may be a link).
    const dest = inRoot(root, lib);
    if (await exists(dest)) continue;
    await Deno.mkdir(dirname(dest), { recursive: true });
    await Deno.copyFile(await Deno.realPath(lib), dest);
  }
}

/** Creates the staging tree described by `s`. */
export async function buildStage(s: StageInputs): Promise<void> {
  const root = s.root;
  await Deno.mkdir(root, { recursive: true });
  for (
    const d of ["proc", "sys", "dev", "tmp", "run", "root", "var/tmp", "etc"]
  ) {
    await Deno.mkdir(join(root, d), { recursive: true });
  }
  await Deno.chmod(join(root, "tmp"), 0o1777);

  // busybox and its applets, as symlinks at the paths busybox itself names.
  await put(root, "/bin/busybox", BUSYBOX);
  const applets = await run(BUSYBOX, ["--list-full"]);
  for (const rel of applets.stdout.split("\n").map((l) => l.trim())) {
    if (!rel || rel === "bin/busybox" || !rel.includes("/")) continue;
    const dest = join(root, rel);
    if (await exists(dest)) continue;
    await Deno.mkdir(dirname(dest), { recursive: true });
    await Deno.symlink("/bin/busybox", dest);
  }

  // deno and the glibc pieces it links against, at the paths ldd names.
  await putBinary(root, GUEST_DENO, s.denoBin);
  for (const extra of s.extraBinaries ?? []) {
    await putBinary(root, extra.guestPath, extra.bin);
  }

  await put(root, GUEST_MODULE, s.ntsyncKo);
  await write(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
  await write(root, "/etc/group", "root:x:0:\n");
  await write(root, "/etc/hosts", "127.0.0.1 localhost\n::1 localhost\n");
  await write(root, "/init", s.init, 0o755);

  // The project, as it is on disk in the working tree.
  for (const rel of s.projectFiles) {
    try {
      await put(root, join(s.repoRoot, rel), join(s.repoRoot, rel));
    } catch (e) {
      // Others edit the working tree meanwhile: a file listed a moment ago
      // may be gone now, which is not this run's problem.
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
}

/**
 * Copies a host directory into the staging tree at its own absolute path
 * (used for the DENO_DIR, whose caches are keyed by absolute paths).
 */
export async function stageAtSamePath(
  root: string,
  hostPath: string,
): Promise<void> {
  if (await exists(hostPath)) await put(root, hostPath, hostPath);
}

/** Lists the staging tree as cpio members, parents before children. */
async function* treeEntries(
  root: string,
  dir = root,
): AsyncGenerator<CpioEntry> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  names.sort(); // a reproducible order
  for (const name of names) {
    const full = join(dir, name);
    const path = relative(root, full);
    const st = await Deno.lstat(full);
    const mtime = st.mtime ? st.mtime.getTime() / 1000 : 0;
    if (st.isSymlink) {
      yield { kind: "symlink", path, target: await Deno.readLink(full), mtime };
    } else if (st.isDirectory) {
      yield { kind: "dir", path, mode: (st.mode ?? 0o755) & 0o7777, mtime };
      yield* treeEntries(root, full);
    } else if (st.isFile) {
      yield {
        kind: "file",
        path,
        mode: (st.mode ?? 0o644) & 0o7777,
        mtime,
        size: st.size,
        data: async () => (await Deno.open(full)).readable,
      };
    }
  }
}

/** Buffers small writes (headers) into large ones. */
class BufferedSink implements ByteSink {
  #buf = new Uint8Array(1 << 20);
  #len = 0;
  constructor(readonly inner: (chunk: Uint8Array) => Promise<void>) {}
  async write(chunk: Uint8Array): Promise<void> {
    if (this.#len + chunk.length > this.#buf.length) await this.flush();
    if (chunk.length >= this.#buf.length) return this.inner(chunk);
    this.#buf.set(chunk, this.#len);
    this.#len += chunk.length;
  }
  async flush(): Promise<void> {
    if (this.#len === 0) return;
    // Hand over a copy: the consumer may hold on to the chunk.
    await this.inner(this.#buf.slice(0, this.#len));
    this.#len = 0;
  }
}

/**
 * Packs the staging tree `root` (plus /dev/console, which the kernel needs
 * before devtmpfs is mounted) into a newc cpio at `image`, gzip-compressed
 * when `gzip` is set.
 */
export async function writeImage(
  root: string,
  image: string,
  gzip: boolean,
): Promise<void> {
  const file = await Deno.open(image, {
    write: true,
    create: true,
    truncate: true,
  });
  // Either straight into the file or through gzip.
  let write: (c: Uint8Array) => Promise<void>;
  let close: () => Promise<void>;
  if (gzip) {
    const cs = new CompressionStream("gzip");
    const piped = cs.readable.pipeTo(file.writable);
    const w = cs.writable.getWriter();
    // Chunks are never views of a SharedArrayBuffer here.
    write = (c) => w.write(c as Uint8Array<ArrayBuffer>);
    close = async () => {
      await w.close();
      await piped;
    };
  } else {
    const w = file.writable.getWriter();
    write = (c) => w.write(c);
    close = () => w.close();
  }
  const sink = new BufferedSink(write);
  const entries: CpioEntry[] = [];
  for await (const e of treeEntries(root)) entries.push(e);
  entries.push({ kind: "chardev", path: "dev/console", major: 5, minor: 1 });
  await writeCpio(entries, sink);
  await sink.flush();
  await close();
}
