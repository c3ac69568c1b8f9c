/**
 * The doctor's command line: arguments, `--help`, and the progress line.
 *
 * @module
 */

import {
  EXIT_BROKEN,
  EXIT_FAILURE,
  EXIT_NO_NTSYNC,
  EXIT_OK,
  EXIT_USAGE,
} from "./report.ts";

/** Parsed command-line options. */
export interface CliOptions {
  /** Print one JSON object on stdout instead of the table. */
  readonly json: boolean;
  /** Run the conformance checks. */
  readonly conformance: boolean;
  /** Run the benchmark. */
  readonly bench: boolean;
  /** Run the long conformance checks too (stress_wait). */
  readonly full: boolean;
  /** Force colour on (`true`) or off (`false`); `undefined`: decide from NO_COLOR and the terminal. */
  readonly color: boolean | undefined;
  /** Show the progress line on stderr (when it is a terminal). */
  readonly progress: boolean;
  /** Print the help and exit. */
  readonly help: boolean;
}

/** The `--help` text, exit codes included. */
export const HELP = `ntsync doctor: does ntsync work on this machine?

Usage: deno task doctor [options]
       deno run --allow-all doctor/main.ts [options]

Checks the kernel (6.14+ and CONFIG_NTSYNC), the ntsync driver (built in or a
module, loaded or not), /dev/ntsync (mode, owner, whether you can open it),
which uapi the device speaks (the 6.14+ interface; the 2026 owner-0 fix),
which processes use ntsync now (is Wine using it?), the backend "auto" picks,
then runs the ported kernel selftests and a short benchmark on every usable
backend. Every problem comes with the command that fixes it.

Options:
  --json            print exactly one JSON object on stdout (the full report)
  --quick           skip the conformance run and the benchmark
  --full            also run the long checks (stress_wait: 4 threads x 10000 locks)
  --no-conformance  skip the conformance run
  --no-bench        skip the benchmark
  --color           colour even when stdout is not a terminal
  --no-color        never colour (so does the NO_COLOR environment variable)
  --no-progress     no progress line on stderr
  -h, --help        this help

Exit status:
  ${EXIT_OK}   ntsync works: the native backend on /dev/ntsync passes every check
  ${EXIT_FAILURE}   the doctor itself failed
  ${EXIT_NO_NTSYNC}   no usable ntsync (kernel, driver or device missing, or not usable
      by this user): programs use the emulated backend, which passed
  ${EXIT_BROKEN}   ntsync is broken: a probe or conformance check failed (on the device
      or on the emulated backend), or the device node exists but fails to open
  ${EXIT_USAGE}  bad arguments
`;

/** A command-line mistake. */
export class UsageError extends Error {
  /**
   * A usage error.
   *
   * @param message what was wrong
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parse the arguments; throws {@linkcode UsageError} on an unknown one. */
export function parseArgs(args: readonly string[]): CliOptions {
  let json = false, conformance = true, bench = true, full = false;
  let progress = true, help = false;
  let color: boolean | undefined;
  for (const arg of args) {
    switch (arg) {
      case "--json":
        json = true;
        break;
      case "--quick":
        conformance = false;
        bench = false;
        break;
      case "--no-conformance":
        conformance = false;
        break;
      case "--full":
        full = true;
        break;
      case "--no-bench":
        bench = false;
        break;
      case "--color":
        color = true;
        break;
      case "--no-color":
        color = false;
        break;
      case "--no-progress":
        progress = false;
        break;
      case "-h":
      case "--help":
        help = true;
        break;
      default:
        throw new UsageError(`unknown argument: ${arg} (see --help)`);
    }
  }
  return { json, conformance, bench, full, color, progress, help };
}

/**
 * A one-line progress display on a terminal, rewritten in place with a
 * carriage return and spaces only (no escape codes, so dumb terminals and
 * serial consoles show it too).
 */
export class ProgressLine {
  readonly #out: { writeSync(p: Uint8Array): number } | undefined;
  readonly #enc = new TextEncoder();
  #shown = 0;

  /**
   * A progress line on `out`.
   *
   * @param out where to draw it (stderr), or `undefined` for no progress
   */
  constructor(out: { writeSync(p: Uint8Array): number } | undefined) {
    this.#out = out;
  }

  /** Replace the line with `text`. */
  show(text: string): void {
    if (!this.#out) return;
    const width = 78;
    const line = text.length > width ? text.slice(0, width - 1) + "…" : text;
    const pad = " ".repeat(Math.max(0, this.#shown - line.length));
    this.#out.writeSync(this.#enc.encode(`\r${line}${pad}`));
    this.#shown = line.length;
  }

  /** Erase the line. */
  clear(): void {
    if (!this.#out || this.#shown === 0) return;
    this.#out.writeSync(this.#enc.encode(`\r${" ".repeat(this.#shown)}\r`));
    this.#shown = 0;
  }
}
