/**
 * The real-kernel test harness: boots Debian sid's cloud kernel under qemu
 * with `ntsync.ko` loaded and runs a command in the project there, so the
 * native backend meets the real `/dev/ntsync` (this machine's own kernel has
 * no CONFIG_NTSYNC).
 *
 * ## Usage
 *
 * ```sh
 * npx -y deno@2.9.6 task test:kernel                      # the suite, both backends
 * npx -y deno@2.9.6 task test:kernel -- deno --version    # any command (an argv)
 * npx -y deno@2.9.6 task test:kernel -- deno test --no-check --allow-all tests/foo_test.ts
 * npx -y deno@2.9.6 task test:kernel -- sh -c 'ls -l /dev/ntsync; uname -r'
 * npx -y deno@2.9.6 task test:kernel -- env NTSYNC_TEST_BACKENDS=native deno test --no-check -A ffi/
 * npx -y deno@2.9.6 task test:kernel --keep --timeout=600 -- deno task doctor
 * npx -y deno@2.9.6 task test:kernel --help
 * ```
 *
 * With no command, the guest runs deno.json's `test` task as
 * `deno test --no-check <the task's flags>` (see {@linkcode defaultCommand}),
 * with `NTSYNC_TEST_BACKENDS=native,emulated`: the whole suite on the real
 * driver and on the emulated engine; then the npm package (built, packed and
 * installed into a fresh project with koffi, see `npm_stage.ts`) runs its
 * tests on the native backend with Node + koffi and with Bun + bun:ffi
 * (the host's node and bun binaries are staged at /usr/local/bin, with the
 * libraries ldd names). `NTSYNC_KERNEL_NPM=0` leaves the npm part out,
 * `NTSYNC_KERNEL_NPM=only` runs it alone.
 *
 * **Type checking under TCG is very slow**: about 75 s to check one small
 * test file and about 3 min per Worker module graph (`deno test` checks
 * every Worker module it spawns), against under 2 s on the host. Pass
 * `--no-check` to `deno test`/`deno bench` in your own commands (the host's
 * `deno task test` checks the same types); `deno run` does not check unless
 * asked. Deno itself starts in about 1.5 s in the guest.
 *
 * The arguments after the script name are harness options, then an
 * optional `--`, then the command as an argv: it is not re-split by a shell,
 * so a shell pipeline or `;` needs `sh -c '...'` (busybox sh). A command
 * that starts with `-` needs the `--`. Environment for the command: prefix
 * it with `env NAME=value`. The command's stdin is /dev/null and its
 * stdout/stderr a pipe (not a tty), as in CI.
 *
 * Options (flag, or environment variable):
 * - `--keep` / `NTSYNC_KERNEL_KEEP=1`: keep the staging tree (the guest's
 *   root filesystem, `/tmp/ntsync-kernel-<nonce>-<random>/root`) and the image,
 *   and print where they are. `chroot <root> /usr/local/bin/deno ...` runs
 *   the staged deno on the host for quick debugging.
 * - `--timeout=SECONDS` / `NTSYNC_KERNEL_TIMEOUT` (default 2400): overall
 *   limit for boot plus command; qemu is killed after it (exit status 124).
 * - `--refresh` / `NTSYNC_KERNEL_REFRESH=1`: ask sid for a newer kernel.
 * - `--memory=MIB` / `NTSYNC_KERNEL_MEMORY` (4096), `--smp=N` /
 *   `NTSYNC_KERNEL_SMP` (2).
 * - `--no-require-device` / `NTSYNC_KERNEL_REQUIRE_DEVICE=0`: run the command
 *   even when /dev/ntsync did not appear (by default the run stops with 125).
 *
 * ## What it does
 *
 * 1. Installs `qemu-system-x86` and `busybox-static` with apt-get when
 *    missing (`--no-install-recommends`).
 * 2. Fetches the newest `linux-binary-unsigned-<abi>-cloud-amd64` and
 *    `linux-modules-<abi>-cloud-amd64` of Debian sid with a private apt
 *    source list and state directories, unpacks them, keeps only vmlinuz
 *    and the decompressed ntsync.ko in `tests/kernel/.cache/kernel/` (later
 *    runs use the cache and are offline).
 * 3. Fills `tests/kernel/.cache/deno_dir` with every npm/remote dependency
 *    (`deno cache` of all project modules) and stages the guest root:
 *    busybox and its applets, the deno binary running this script with the
 *    glibc pieces `ldd` names, ntsync.ko, the project files (git's tracked
 *    and untracked-but-not-ignored files, as they are on disk) at the
 *    repository's own absolute path, and the DENO_DIR at its own absolute
 *    path (so Deno's caches are valid in the guest), then packs it into a
 *    newc cpio initramfs.
 * 4. The guest's /init mounts proc, sysfs, devtmpfs and tmpfs, runs
 *    `insmod ntsync.ko`, checks /dev/ntsync, exports HOME, DENO_DIR, PATH,
 *    NO_COLOR=1, DENO_NO_UPDATE_CHECK=1,
 *    NTSYNC_TEST_BACKENDS=native,emulated and NTSYNC_KERNEL_VM=1 (for tests
 *    that must scale iterations or timeouts to an emulated CPU), prints
 *    `NTSYNC-READY uptime=<s> run=<nonce>`, runs the command in the project,
 *    prints `NTSYNC-EXIT=<status> run=<nonce>` and powers off. The nonce is
 *    random per run, so no test output can fake the result.
 * 5. qemu runs under TCG (`-cpu max`, no KVM), no network, serial console on
 *    stdout. The harness exits with the command's status, or non-zero with a
 *    message when the marker never came (124 on timeout, 130 after SIGINT
 *    or SIGTERM, which also stop qemu).
 *
 * Harness messages go to stderr, prefixed `[test:kernel]`; the guest's
 * console goes to stdout. Times inside TCG are not real time; semantics are.
 *
 * @module
 */

import { join } from "node:path";
import { defaultCommand, parseArgs, USAGE } from "./args.ts";
import { populateDenoDir } from "./deno_dir.ts";
import { log, run } from "./exec.ts";
import { ensureKernel } from "./fetch_kernel.ts";
import { ensureHostTools, QEMU } from "./host_tools.ts";
import { initScript } from "./init_script.ts";
import { newNonce } from "./marker.ts";
import {
  BOOT_RETRIES,
  diedBeforeReady,
  INTERRUPTED_STATUS,
  verdict,
} from "./outcome.ts";
import { boot } from "./qemu.ts";
import {
  GUEST_BUN,
  GUEST_NODE,
  type NpmStage,
  prepareNpm,
  withNpmRuns,
} from "./npm_stage.ts";
import {
  buildStage,
  GUEST_MODULE,
  stageAtSamePath,
  writeImage,
} from "./stage.ts";

/** The harness's own directory (tests/kernel). */
const HERE = import.meta.dirname!;
/** Everything fetched or built lives here (gitignored). */
const CACHE = join(HERE, ".cache");

/** Project files: tracked plus untracked-not-ignored, present on disk. */
async function projectFiles(repoRoot: string): Promise<string[]> {
  const r = await run("git", [
    "ls-files",
    "-z",
    "--cached",
    "--others",
    "--exclude-standard",
  ], { cwd: repoRoot });
  const files: string[] = [];
  for (const f of new Set(r.stdout.split("\0").filter(Boolean))) {
    try {
      const st = await Deno.lstat(join(repoRoot, f));
      if (st.isFile || st.isSymlink) files.push(f); // not deleted, no submodule
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  return files.sort();
}

/** The real deno ELF behind this process (npx runs it from node_modules). */
async function denoBinary(): Promise<string> {
  const path = await Deno.realPath(Deno.execPath());
  const f = await Deno.open(path);
  try {
    const head = new Uint8Array(4);
    await f.read(head);
    if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c) {
      throw new Error(`${path} is not an ELF binary`);
    }
  } finally {
    f.close();
  }
  return path;
}

const secs = (ms: number | undefined) =>
  ms === undefined ? "?" : `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<number> {
  let opts;
  try {
    const denoJson = await Deno.readTextFile(join(HERE, "../../deno.json"))
      .catch(() => undefined);
    opts = parseArgs(
      Deno.args,
      (k) => Deno.env.get(k),
      defaultCommand(denoJson),
    );
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const t0 = performance.now();
  const defaultRun = JSON.stringify(opts.command) ===
    JSON.stringify(
      defaultCommand(
        await Deno.readTextFile(join(HERE, "../../deno.json")).catch(() =>
          undefined
        ),
      ),
    );
  const npmMode = Deno.env.get("NTSYNC_KERNEL_NPM");
  const withNpm = npmMode !== "0";
  const repoRoot = (await run("git", ["rev-parse", "--show-toplevel"], {
    cwd: HERE,
  })).stdout.trim();

  await ensureHostTools();
  await Deno.mkdir(CACHE, { recursive: true });
  const kernel = await ensureKernel(CACHE, opts.refresh);
  log(`kernel ${kernel.abi} (${kernel.packages.join(", ")})`);

  const nonce = newNonce();
  // Per-run staging lives outside the repository: a copy of the project's
  // *_test.ts files under tests/ would be picked up by `deno test` there.
  const stageDir = await Deno.makeTempDir({
    prefix: `ntsync-kernel-${nonce}-`,
  });
  const root = join(stageDir, "root");
  // Uncompressed: measured the same boot time as gzip under TCG (the kernel
  // gunzips as fast as qemu copies 55 MB more), and 2 s less to build.
  const gzip = false;
  const image = join(stageDir, gzip ? "initramfs.cpio.gz" : "initramfs.cpio");
  const denoDir = join(CACHE, "deno_dir");
  let status = 1;
  // On SIGINT/SIGTERM (a CI timeout, say): stop qemu, clean up, exit 130.
  const abort = new AbortController();
  const onSignal = () => {
    log("interrupted: stopping qemu");
    abort.abort();
  };
  const signals = ["SIGINT", "SIGTERM"] as const;
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  let npm: NpmStage | undefined;
  try {
    const deno = await denoBinary();
    const files = await projectFiles(repoRoot);
    if (withNpm) {
      npm = await prepareNpm();
      if (defaultRun) {
        // NTSYNC_KERNEL_NPM=only: the npm part alone, without Deno's suite.
        const deno = npmMode === "only" ? ["true"] : opts.command;
        opts.command = withNpmRuns(deno, npm.projectDir);
      }
    }
    const init = initScript({
      nonce,
      modulePath: GUEST_MODULE,
      projectDir: repoRoot,
      command: opts.command,
      env: {
        HOME: "/root",
        TMPDIR: "/tmp",
        DENO_DIR: denoDir,
        NO_COLOR: "1",
        DENO_NO_UPDATE_CHECK: "1",
        DENO_NO_PROMPT: "1",
        NTSYNC_TEST_BACKENDS: "native,emulated",
        // Tests may scale iterations and timeouts down: the CPU is emulated
        // (TCG), tens of times slower than the host.
        NTSYNC_KERNEL_VM: "1",
      },
      requireDevice: opts.requireDevice,
    });
    await buildStage({
      root,
      repoRoot,
      projectFiles: files,
      denoBin: deno,
      ntsyncKo: kernel.ntsyncKo,
      init,
      extraBinaries: npm
        ? [
          { bin: npm.node, guestPath: GUEST_NODE },
          { bin: npm.bun, guestPath: GUEST_BUN },
        ]
        : [],
    });
    if (npm) await stageAtSamePath(root, npm.projectDir);
    // Fill the DENO_DIR against the staged lockfile, then stage it.
    const stagedProject = join(root, repoRoot.replace(/^\/+/, ""));
    await populateDenoDir({
      deno,
      repoRoot,
      projectFiles: files,
      denoDir,
      lockfile: join(stagedProject, "deno.lock"),
    });
    await stageAtSamePath(root, denoDir);
    await writeImage(root, image, gzip);
    const imageMiB = (await Deno.stat(image)).size / (1 << 20);
    log(
      `initramfs ${imageMiB.toFixed(0)} MiB (${files.length} project files) ` +
        `built in ${secs(performance.now() - t0)}; booting: ` +
        opts.command.join(" "),
    );

    if (abort.signal.aborted) return INTERRUPTED_STATUS;
    const bootOnce = () =>
      boot({
        qemu: QEMU,
        vmlinuz: kernel.vmlinuz,
        initrd: image,
        memoryMiB: opts.memoryMiB,
        smp: opts.smp,
        timeoutSeconds: opts.timeoutSeconds,
        nonce,
        out: Deno.stdout,
        signal: abort.signal,
      });
    let r = await bootOnce();
    // A kernel that died before the command ran is booted again (see
    // diedBeforeReady); once the command has started, nothing is retried.
    for (let retry = 1; retry <= BOOT_RETRIES; retry++) {
      if (!diedBeforeReady(r) || abort.signal.aborted) break;
      log(
        `the guest died before it got ready (${
          verdict(r, false, opts.timeoutSeconds).message
        }); booting again (${retry} of ${BOOT_RETRIES})`,
      );
      r = await bootOnce();
    }
    const guest = r.readyMs === undefined
      ? "the guest never got ready"
      : `guest ready after ${secs(r.readyMs)} ` +
        `(guest uptime ${r.guestUptimeAtReady} s)`;
    log(
      `${guest}; command ran ${secs(r.commandMs)}; qemu exited ` +
        `${r.qemuCode} after ${secs(r.totalMs)}; ` +
        `total ${secs(performance.now() - t0)}`,
    );
    const v = verdict(r, abort.signal.aborted, opts.timeoutSeconds);
    status = v.status;
    log(v.message);
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
    if (opts.keep) {
      log(`kept staging tree ${root} and image ${image}`);
    } else {
      await Deno.remove(stageDir, { recursive: true }).catch(() => {});
    }
    for (const d of npm ? [npm.projectDir, npm.packDir] : []) {
      await Deno.remove(d, { recursive: true }).catch(() => {});
    }
  }
  return status;
}

if (import.meta.main) {
  Deno.exit(await main());
}
