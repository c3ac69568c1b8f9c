import assert from "node:assert/strict";
import { type CpioEntry, encodeHeader, pad4, writeCpio } from "./cpio.ts";

/** Collects the archive in memory. */
class Buffer {
  chunks: Uint8Array[] = [];
  write(chunk: Uint8Array): Promise<void> {
    this.chunks.push(chunk.slice());
    return Promise.resolve();
  }
  bytes(): Uint8Array {
    const n = this.chunks.reduce((a, c) => a + c.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

interface Member {
  name: string;
  mode: number;
  nlink: number;
  rdevMajor: number;
  rdevMinor: number;
  data: string;
  ino: number;
}

/** An independent newc reader: checks magic, alignment and the trailer. */
function readCpio(bytes: Uint8Array): Member[] {
  const dec = new TextDecoder();
  const members: Member[] = [];
  let o = 0;
  for (;;) {
    assert.equal(o % 4, 0, "member not 4-aligned");
    const head = dec.decode(bytes.subarray(o, o + 110));
    assert.equal(head.slice(0, 6), "070701");
    const f = (i: number) => parseInt(head.slice(6 + 8 * i, 14 + 8 * i), 16);
    const nameSize = f(11);
    const name = dec.decode(bytes.subarray(o + 110, o + 110 + nameSize - 1));
    assert.equal(bytes[o + 110 + nameSize - 1], 0, "name not NUL-terminated");
    o += 110 + nameSize;
    o += pad4(o);
    const size = f(6);
    const data = dec.decode(bytes.subarray(o, o + size));
    o += size;
    o += pad4(o);
    if (name === "TRAILER!!!") break;
    members.push({
      name,
      mode: f(1),
      nlink: f(4),
      rdevMajor: f(9),
      rdevMinor: f(10),
      data,
      ino: f(0),
    });
  }
  assert.equal(o, bytes.length, "bytes after the trailer");
  return members;
}

const enc = new TextEncoder();

function streamOf(
  ...parts: string[]
): () => Promise<ReadableStream<Uint8Array>> {
  return () =>
    Promise.resolve(
      new ReadableStream({
        start(c) {
          for (const p of parts) c.enqueue(enc.encode(p));
          c.close();
        },
      }),
    );
}

Deno.test("writeCpio round-trips every kind of member", async () => {
  const entries: CpioEntry[] = [
    { kind: "dir", path: "bin" },
    {
      kind: "file",
      path: "bin/a",
      size: 5,
      data: enc.encode("hello"),
      mode: 0o755,
    },
    { kind: "file", path: "bin/b", size: 7, data: streamOf("str", "eam", "!") },
    { kind: "file", path: "empty", size: 0, data: new Uint8Array(0) },
    { kind: "symlink", path: "bin/sh", target: "busybox" },
    { kind: "chardev", path: "console", major: 5, minor: 1 },
  ];
  const buf = new Buffer();
  await writeCpio(entries, buf);
  const got = readCpio(buf.bytes());
  assert.deepEqual(got.map((m) => m.name), [
    "bin",
    "bin/a",
    "bin/b",
    "empty",
    "bin/sh",
    "console",
  ]);
  assert.equal(got[0].mode, 0o040755);
  assert.equal(got[1].mode, 0o100755);
  assert.equal(got[1].data, "hello");
  assert.equal(got[2].mode, 0o100644);
  assert.equal(got[2].data, "stream!");
  assert.equal(got[3].data, "");
  assert.equal(got[4].mode, 0o120777);
  assert.equal(got[4].data, "busybox");
  assert.equal(got[5].mode, 0o020600);
  assert.deepEqual([got[5].rdevMajor, got[5].rdevMinor], [5, 1]);
  // Distinct inodes and nlink 1 on files: the kernel must not hard-link them.
  assert.equal(new Set(got.map((m) => m.ino)).size, got.length);
  assert.equal(got[1].nlink, 1);
});

Deno.test("writeCpio checks sizes, paths and duplicates", async () => {
  await assert.rejects(
    writeCpio(
      [{ kind: "file", path: "a", size: 3, data: streamOf("ab") }],
      new Buffer(),
    ),
    /gave 2 bytes, expected 3/,
  );
  await assert.rejects(
    writeCpio([{ kind: "dir", path: "/abs" }], new Buffer()),
    /relative/,
  );
  await assert.rejects(
    writeCpio(
      [{ kind: "dir", path: "d" }, { kind: "dir", path: "d" }],
      new Buffer(),
    ),
    /duplicate/,
  );
});

Deno.test("encodeHeader pads header plus name to 4 bytes", () => {
  for (const name of ["a", "ab", "abc", "abcd"]) {
    const h = encodeHeader({
      ino: 1,
      mode: 0o100644,
      nlink: 1,
      mtime: 0,
      size: 0,
      rdevMajor: 0,
      rdevMinor: 0,
      name,
    });
    assert.equal(h.length % 4, 0);
    assert.ok(h.length >= 110 + name.length + 1);
    assert.ok(h.length < 110 + name.length + 1 + 4);
  }
  assert.throws(() =>
    encodeHeader({
      ino: -1,
      mode: 0,
      nlink: 1,
      mtime: 0,
      size: 0,
      rdevMajor: 0,
      rdevMinor: 0,
      name: "x",
    })
  );
});

const busybox = (() => {
  try {
    return Deno.statSync("/bin/busybox").isFile;
  } catch {
    return false;
  }
})();

Deno.test(
  "busybox cpio lists what writeCpio wrote",
  // Ignored where /bin/busybox is missing (the VM harness installs it).
  { ignore: !busybox },
  async () => {
    const buf = new Buffer();
    await writeCpio([
      { kind: "dir", path: "d" },
      { kind: "file", path: "d/f", size: 2, data: enc.encode("hi") },
      { kind: "symlink", path: "d/l", target: "f" },
    ], buf);
    const child = new Deno.Command("/bin/busybox", {
      args: ["cpio", "-t"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(buf.bytes());
    await w.close();
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.deepEqual(
      new TextDecoder().decode(out.stdout).trim().split("\n"),
      ["d", "d/f", "d/l"],
    );
  },
);
