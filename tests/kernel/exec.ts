/**
 * Runs host commands for the harness, with errors that name the command.
 *
 * @module
 */

/** Options of {@linkcode run}. */
export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Pass the child's stdout and stderr through instead of capturing. */
  inherit?: boolean;
  /** Return the result instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
}

/** What a finished command gave. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd args...` and waits; throws on failure unless allowed. */
export async function run(
  cmd: string,
  args: string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    env: opts.env,
    stdin: "null",
    stdout: opts.inherit ? "inherit" : "piped",
    stderr: opts.inherit ? "inherit" : "piped",
  }).output();
  const dec = new TextDecoder();
  const result = {
    code: out.code,
    stdout: opts.inherit ? "" : dec.decode(out.stdout),
    stderr: opts.inherit ? "" : dec.decode(out.stderr),
  };
  if (out.code !== 0 && !opts.allowFailure) {
    throw new Error(
      `${cmd} ${args.join(" ")} exited ${out.code}\n${result.stderr.trim()}`,
    );
  }
  return result;
}

/** True when `path` exists (without following a final symlink). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Prints a harness progress line on stderr (stdout is the guest's). */
export function log(message: string): void {
  console.error(`[test:kernel] ${message}`);
}
