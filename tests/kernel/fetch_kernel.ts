/**
 * Fetches Debian sid's newest cloud-amd64 kernel and its ntsync.ko into the
 * harness cache, through apt with a private source list and private state
 * directories (the host's apt configuration is not touched).
 *
 * After the first run everything needed is in `.cache/kernel/`, so later
 * runs are offline; `--refresh` asks sid again.
 *
 * @module
 */

import { join } from "node:path";
import { exists, log, run } from "./exec.ts";
import { chooseKernel } from "./kernel_choice.ts";
import { BUSYBOX } from "./host_tools.ts";

/** A kernel ready to boot. */
export interface Kernel {
  /** ABI string, e.g. `7.2.13+deb14`. */
  abi: string;
  /** The Debian packages it came from. */
  packages: string[];
  /** Absolute path of the kernel image. */
  vmlinuz: string;
  /** Absolute path of the decompressed ntsync.ko. */
  ntsyncKo: string;
}

/** What `.cache/kernel/current.json` records (paths relative to it). */
interface Record_ {
  abi: string;
  packages: string[];
  vmlinuz: string;
  ntsyncKo: string;
}

/** The deb822 source for Debian sid, verified with the host's keyring. */
const SID_SOURCES = `Types: deb
URIs: http://deb.debian.org/debian
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

/** apt options that keep every bit of state in `aptDir`. */
function aptOptions(aptDir: string): string[] {
  return [
    ["Dir::Etc::sourcelist", join(aptDir, "sid.sources")],
    ["Dir::Etc::sourceparts", join(aptDir, "sources.list.d")],
    ["Dir::State::Lists", join(aptDir, "lists")],
    ["Dir::Cache", join(aptDir, "cache")],
    // Downloads land in our own root-owned dir: no _apt sandbox warning.
    ["APT::Sandbox::User", "root"],
  ].flatMap(([k, v]) => ["-o", `${k}=${v}`]);
}

/** Lists every file under `dir`, recursively, as absolute paths. */
async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) out.push(...await walkFiles(p));
    else if (e.isFile) out.push(p);
  }
  return out;
}

async function readRecord(kernelDir: string): Promise<Kernel | undefined> {
  try {
    const rec: Record_ = JSON.parse(
      await Deno.readTextFile(join(kernelDir, "current.json")),
    );
    const k = {
      abi: rec.abi,
      packages: rec.packages,
      vmlinuz: join(kernelDir, rec.vmlinuz),
      ntsyncKo: join(kernelDir, rec.ntsyncKo),
    };
    if (await exists(k.vmlinuz) && await exists(k.ntsyncKo)) return k;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return undefined;
}

/** Decompresses a module as busybox insmod needs it (plain ELF). */
async function decompressModule(src: string, dest: string): Promise<void> {
  if (src.endsWith(".xz")) {
    const r = await new Deno.Command(BUSYBOX, {
      args: ["xz", "-dc", src],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (r.code !== 0) {
      throw new Error(`unxz ${src}: ${new TextDecoder().decode(r.stderr)}`);
    }
    await Deno.writeFile(dest, r.stdout);
  } else if (src.endsWith(".zst")) {
    await run("zstd", ["-q", "-d", "-f", "-o", dest, src]);
  } else if (src.endsWith(".gz")) {
    const f = await Deno.open(src);
    const out = await Deno.open(dest, {
      write: true,
      create: true,
      truncate: true,
    });
    await f.readable.pipeThrough(new DecompressionStream("gzip")).pipeTo(
      out.writable,
    );
  } else {
    await Deno.copyFile(src, dest);
  }
}

/** Fetches and unpacks the newest sid kernel; returns it. */
async function fetchKernel(cacheDir: string, kernelDir: string) {
  const aptDir = join(cacheDir, "apt");
  for (
    const d of ["sources.list.d", "lists/partial", "cache/archives/partial"]
  ) {
    await Deno.mkdir(join(aptDir, d), { recursive: true });
  }
  await Deno.writeTextFile(join(aptDir, "sid.sources"), SID_SOURCES);
  const opts = aptOptions(aptDir);
  log("apt-get update (Debian sid, private lists)");
  await run("apt-get", [...opts, "-q", "update"]);
  const names = await run("apt-cache", [...opts, "pkgnames", "linux-"]);
  const choice = chooseKernel(names.stdout.split("\n"));
  if (!choice) {
    throw new Error("no linux-*-cloud-amd64 kernel package found in sid");
  }
  const packages = [choice.image, ...(choice.modules ? [choice.modules] : [])];
  log(`kernel ${choice.abi}: apt-get download ${packages.join(" ")}`);

  const abiDir = join(kernelDir, choice.abi);
  const debDir = join(abiDir, "debs");
  const rootDir = join(abiDir, "root");
  await Deno.remove(abiDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(debDir, { recursive: true });
  await Deno.mkdir(rootDir, { recursive: true });
  await run("apt-get", [...opts, "-q", "download", ...packages], {
    cwd: debDir,
  });
  for await (const e of Deno.readDir(debDir)) {
    if (e.name.endsWith(".deb")) {
      await run("dpkg-deb", ["-x", join(debDir, e.name), rootDir]);
    }
  }

  const files = await walkFiles(rootDir);
  // New layout: usr/lib/modules/<abi>/vmlinuz(.unsigned); old: boot/vmlinuz-<abi>.
  const vmlinuz = files.find((f) =>
    /\/(boot\/vmlinuz-[^/]+|modules\/[^/]+\/vmlinuz[^/]*)$/.test(f)
  );
  const ko = files.find((f) =>
    /\/kernel\/drivers\/misc\/ntsync\.ko(\.xz|\.zst|\.gz)?$/.test(f)
  );
  if (!vmlinuz) throw new Error(`no vmlinuz in ${packages.join(" ")}`);
  if (!ko) {
    throw new Error(
      `no kernel/drivers/misc/ntsync.ko* in ${packages.join(" ")}`,
    );
  }
  await Deno.copyFile(vmlinuz, join(abiDir, "vmlinuz"));
  await decompressModule(ko, join(abiDir, "ntsync.ko"));
  // The rest (about 100 MB unpacked) is not needed again.
  await Deno.remove(rootDir, { recursive: true });
  await Deno.remove(debDir, { recursive: true });

  const rec: Record_ = {
    abi: choice.abi,
    packages,
    vmlinuz: join(choice.abi, "vmlinuz"),
    ntsyncKo: join(choice.abi, "ntsync.ko"),
  };
  const tmp = join(kernelDir, `current.json.${Deno.pid}`);
  await Deno.writeTextFile(tmp, JSON.stringify(rec, null, 2) + "\n");
  await Deno.rename(tmp, join(kernelDir, "current.json"));
}

/**
 * Returns the cached kernel, fetching it first when there is none (or when
 * `refresh` is set). Holds a file lock, so concurrent harness runs in the
 * same checkout do not fetch twice or race on apt's state.
 */
export async function ensureKernel(
  cacheDir: string,
  refresh: boolean,
): Promise<Kernel> {
  const kernelDir = join(cacheDir, "kernel");
  await Deno.mkdir(kernelDir, { recursive: true });
  const lock = await Deno.open(join(cacheDir, "kernel.lock"), {
    write: true,
    create: true,
  });
  try {
    await lock.lock(true);
    if (!refresh) {
      const cached = await readRecord(kernelDir);
      if (cached) return cached;
    }
    await fetchKernel(cacheDir, kernelDir);
    const k = await readRecord(kernelDir);
    if (!k) throw new Error("kernel cache incomplete after fetching");
    return k;
  } finally {
    lock.close();
  }
}
