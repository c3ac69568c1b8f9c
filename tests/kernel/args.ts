/**
 * Command-line and environment options of `deno task test:kernel`.
 *
 * @module
 */

/** The fallback command when the test task cannot be read. */
export const DEFAULT_COMMAND: readonly string[] = ["deno", "task", "test"];

/**
 * The guest's default command: deno.json's `test` task, run as
 * `deno test --no-check <its flags>`.
 *
 * Why no type check: under TCG, tsc is about 50 times slower than on the
 * host (77 s to check one small test file, 3 min per Worker module graph,
 * and `deno test` checks every Worker module it spawns), while the types are
 * the same as on the host, where `deno task test` already checks them. The
 * guest is there for the kernel's semantics.
 *
 * Falls back to `deno task test` when the task is missing or is more than
 * plain words (quotes, `&&`, variables...).
 *
 * @example
 * ```ts
 * defaultCommand('{"tasks":{"test":"deno test --allow-read"}}');
 * // ["deno", "test", "--no-check", "--allow-read"]
 * ```
 */
export function defaultCommand(denoJson: string | undefined): string[] {
  let task: unknown;
  try {
    const config = JSON.parse(denoJson ?? "");
    task = config?.tasks?.test;
    if (task && typeof task === "object") {
      task = (task as { command?: unknown }).command;
    }
  } catch {
    return [...DEFAULT_COMMAND]; // no deno.json, or JSONC with comments
  }
  if (typeof task !== "string" || !/^[A-Za-z0-9_\-=.,/:@ ]+$/.test(task)) {
    return [...DEFAULT_COMMAND];
  }
  const words = task.trim().split(/ +/);
  if (words[0] !== "deno" || words[1] !== "test") return [...DEFAULT_COMMAND];
  if (words.some((w) => w === "--no-check" || w.startsWith("--check"))) {
    return words;
  }
  return ["deno", "test", "--no-check", ...words.slice(2)];
}

/** Parsed harness options. */
export interface HarnessOptions {
  /** The argv to run in the guest. */
  command: string[];
  /** Keep the staging tree and image after the run. */
  keep: boolean;
  /** Re-query Debian sid for a newer kernel instead of using the cache. */
  refresh: boolean;
  /** Stop with an error when /dev/ntsync is missing in the guest. */
  requireDevice: boolean;
  /** Overall limit for the boot and the command, in seconds. */
  timeoutSeconds: number;
  /** Guest memory in MiB. */
  memoryMiB: number;
  /** Guest CPUs. */
  smp: number;
  /** Print usage and exit. */
  help: boolean;
}

/** The usage text printed by `--help`. */
export const USAGE =
  `usage: deno task test:kernel [OPTIONS] [--] [COMMAND [ARG...]]

Boots Debian sid's cloud kernel under qemu (TCG) with ntsync.ko loaded and runs
COMMAND in the project, with no network. Default COMMAND: deno.json's test task
as "deno test --no-check ..." (tsc under TCG costs minutes per module graph;
add --no-check to your own deno test commands too).

options (environment variable in brackets):
  --keep              keep the staging tree and image   [NTSYNC_KERNEL_KEEP=1]
  --refresh           look for a newer sid kernel       [NTSYNC_KERNEL_REFRESH=1]
  --timeout=SECONDS   overall limit, default 2400       [NTSYNC_KERNEL_TIMEOUT]
  --memory=MIB        guest memory, default 4096        [NTSYNC_KERNEL_MEMORY]
  --smp=N             guest CPUs, default 2             [NTSYNC_KERNEL_SMP]
  --no-require-device run COMMAND even without /dev/ntsync
                                                        [NTSYNC_KERNEL_REQUIRE_DEVICE=0]
  -h, --help          this text

A shell command: -- sh -c 'ls -l /dev/ntsync; uname -r'
Extra environment:  -- env NTSYNC_TEST_BACKENDS=native deno test --no-check -A tests/x_test.ts
The guest sets NTSYNC_TEST_BACKENDS=native,emulated and NTSYNC_KERNEL_VM=1.
Exit status: the command's; 124 timeout, 125 no /dev/ntsync, 130 interrupted.
`;

function positiveInt(name: string, raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) <= 0) {
    throw new Error(`${name}: expected a positive integer, got ${raw}`);
  }
  return Number(raw);
}

function flag(raw: string | undefined): boolean {
  return raw !== undefined && raw !== "" && raw !== "0" && raw !== "false";
}

/**
 * Parses the arguments after the script name. One leading `--` is dropped
 * (`deno task` passes it through); options come next, up to an optional
 * `--` or the first word that is not an option; the rest is the command,
 * `fallback` when there is none.
 *
 * @example
 * ```ts
 * parseArgs(["--", "deno", "--version"], () => undefined).command; // ["deno", "--version"]
 * ```
 */
export function parseArgs(
  argv: readonly string[],
  env: (name: string) => string | undefined,
  fallback: readonly string[] = DEFAULT_COMMAND,
): HarnessOptions {
  const o: HarnessOptions = {
    command: [],
    keep: flag(env("NTSYNC_KERNEL_KEEP")),
    refresh: flag(env("NTSYNC_KERNEL_REFRESH")),
    requireDevice: env("NTSYNC_KERNEL_REQUIRE_DEVICE") === undefined ||
      flag(env("NTSYNC_KERNEL_REQUIRE_DEVICE")),
    timeoutSeconds: 2400,
    memoryMiB: 4096,
    smp: 2,
    help: false,
  };
  const envTimeout = env("NTSYNC_KERNEL_TIMEOUT");
  if (envTimeout) {
    o.timeoutSeconds = positiveInt("NTSYNC_KERNEL_TIMEOUT", envTimeout);
  }
  const envMemory = env("NTSYNC_KERNEL_MEMORY");
  if (envMemory) o.memoryMiB = positiveInt("NTSYNC_KERNEL_MEMORY", envMemory);
  const envSmp = env("NTSYNC_KERNEL_SMP");
  if (envSmp) o.smp = positiveInt("NTSYNC_KERNEL_SMP", envSmp);

  let i = argv[0] === "--" ? 1 : 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-")) break;
    const [name, value] = a.includes("=")
      ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
      : [a, undefined];
    const needValue = () => {
      if (value === undefined) throw new Error(`${name} needs =VALUE`);
      return value;
    };
    switch (name) {
      case "--keep":
        o.keep = true;
        break;
      case "--refresh":
        o.refresh = true;
        break;
      case "--no-require-device":
        o.requireDevice = false;
        break;
      case "--timeout":
        o.timeoutSeconds = positiveInt(name, needValue());
        break;
      case "--memory":
        o.memoryMiB = positiveInt(name, needValue());
        break;
      case "--smp":
        o.smp = positiveInt(name, needValue());
        break;
      case "-h":
      case "--help":
        o.help = true;
        break;
      default:
        throw new Error(
          `unknown option ${a} (put the command after --; see --help)`,
        );
    }
  }
  o.command = i < argv.length ? argv.slice(i) : [...fallback];
  return o;
}
