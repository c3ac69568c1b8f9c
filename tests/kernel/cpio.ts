/**
 * A streaming writer of "newc" cpio archives (the format the Linux kernel
 * unpacks as an initramfs), so the harness needs no cpio tool and can add
 * device nodes without mknod.
 *
 * @module
 */

/** One archive member. Paths are relative ("bin/sh"), parents first. */
export type CpioEntry =
  | { kind: "dir"; path: string; mode?: number; mtime?: number }
  | {
    kind: "file";
    path: string;
    mode?: number;
    mtime?: number;
    /** Exact content length in bytes. */
    size: number;
    /** The content: bytes, or a stream of exactly `size` bytes. */
    data: Uint8Array | (() => Promise<ReadableStream<Uint8Array>>);
  }
  | { kind: "symlink"; path: string; target: string; mtime?: number }
  | {
    kind: "chardev";
    path: string;
    major: number;
    minor: number;
    mode?: number;
  };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

/** Bytes of padding that bring `n` to a multiple of 4. */
export function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** The fields of one newc header. */
export interface CpioHeader {
  ino: number;
  mode: number;
  nlink: number;
  mtime: number;
  size: number;
  rdevMajor: number;
  rdevMinor: number;
  name: string;
}

const enc = new TextEncoder();

/**
 * Encodes a newc header, its NUL-terminated name and the padding after it.
 *
 * @example
 * ```ts
 * const h = encodeHeader({ ino: 1, mode: 0o100644, nlink: 1, mtime: 0, size: 0,
 *   rdevMajor: 0, rdevMinor: 0, name: "a" });
 * new TextDecoder().decode(h.subarray(0, 6)); // "070701"
 * ```
 */
export function encodeHeader(h: CpioHeader): Uint8Array {
  const name = enc.encode(h.name);
  const hex = (n: number) => {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
      throw new Error(`cpio field out of range: ${n} (${h.name})`);
    }
    return n.toString(16).padStart(8, "0");
  };
  const text = "070701" + [
    h.ino,
    h.mode,
    0, // uid: root
    0, // gid: root
    h.nlink,
    h.mtime,
    h.size,
    0, // devmajor
    0, // devminor
    h.rdevMajor,
    h.rdevMinor,
    name.length + 1,
    0, // check
  ].map(hex).join("");
  const headerLen = 110 + name.length + 1;
  const out = new Uint8Array(headerLen + pad4(headerLen));
  out.set(enc.encode(text), 0);
  out.set(name, 110);
  return out;
}

/** Anything the writer can push bytes into. */
export interface ByteSink {
  /** Writes all of `chunk`. */
  write(chunk: Uint8Array): Promise<void>;
}

/**
 * Writes `entries` and the trailer to `sink`. Every member gets its own
 * inode number and nlink 1 for files, so the kernel never links two
 * members together. File streams must yield exactly `size` bytes.
 */
export async function writeCpio(
  entries: Iterable<CpioEntry>,
  sink: ByteSink,
): Promise<void> {
  let ino = 1;
  const zeros = new Uint8Array(4);
  const seen = new Set<string>();
  for (const e of entries) {
    if (e.path.startsWith("/") || e.path === "") {
      throw new Error(`cpio paths are relative: ${JSON.stringify(e.path)}`);
    }
    if (seen.has(e.path)) throw new Error(`duplicate cpio member ${e.path}`);
    seen.add(e.path);
    const base = {
      ino: ino++,
      mtime: "mtime" in e && e.mtime !== undefined ? Math.floor(e.mtime) : 0,
      rdevMajor: 0,
      rdevMinor: 0,
      name: e.path,
    };
    switch (e.kind) {
      case "dir":
        await sink.write(encodeHeader({
          ...base,
          mode: S_IFDIR | (e.mode ?? 0o755),
          nlink: 2,
          size: 0,
        }));
        break;
      case "chardev":
        await sink.write(encodeHeader({
          ...base,
          mode: S_IFCHR | (e.mode ?? 0o600),
          nlink: 1,
          size: 0,
          rdevMajor: e.major,
          rdevMinor: e.minor,
        }));
        break;
      case "symlink": {
        const target = enc.encode(e.target);
        await sink.write(encodeHeader({
          ...base,
          mode: S_IFLNK | 0o777,
          nlink: 1,
          size: target.length,
        }));
        await sink.write(target);
        if (pad4(target.length)) {
          await sink.write(zeros.subarray(0, pad4(target.length)));
        }
        break;
      }
      case "file": {
        await sink.write(encodeHeader({
          ...base,
          mode: S_IFREG | (e.mode ?? 0o644),
          nlink: 1,
          size: e.size,
        }));
        let written = 0;
        if (e.data instanceof Uint8Array) {
          await sink.write(e.data);
          written = e.data.length;
        } else {
          for await (const chunk of await e.data()) {
            await sink.write(chunk);
            written += chunk.length;
          }
        }
        if (written !== e.size) {
          throw new Error(
            `cpio: ${e.path} gave ${written} bytes, expected ${e.size}`,
          );
        }
        if (pad4(e.size)) await sink.write(zeros.subarray(0, pad4(e.size)));
        break;
      }
    }
  }
  await sink.write(encodeHeader({
    ino: 0,
    mode: 0,
    nlink: 1,
    mtime: 0,
    size: 0,
    rdevMajor: 0,
    rdevMinor: 0,
    name: "TRAILER!!!",
  }));
}
