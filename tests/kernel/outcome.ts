/**
 * Turns how a boot ended into the harness's exit status and a one-line
 * verdict.
 *
 * @module
 */

import { NO_DEVICE_STATUS } from "./init_script.ts";

/** Exit status when the guest never reported in time. */
export const TIMEOUT_STATUS = 124;
/** Exit status after SIGINT or SIGTERM. */
export const INTERRUPTED_STATUS = 130;

/** What the verdict depends on (a subset of the boot result). */
export interface BootEnd {
  /** The command's status, when its exit marker was seen. */
  status?: number;
  /** /init reported that /dev/ntsync is missing. */
  noDevice: boolean;
  /** A kernel panic line, if one was printed. */
  panic?: string;
  /** The overall limit was hit. */
  timedOut: boolean;
  /** qemu's own exit code. */
  qemuCode: number;
  /** When the guest said it was ready, if it did. */
  readyMs?: number;
}

/** The harness's exit status and what to tell the user. */
export interface Verdict {
  status: number;
  message: string;
}

/**
 * Decides the exit status: the guest command's own status when its marker
 * came (even if qemu was killed afterwards), otherwise a harness failure.
 *
 * @example
 * ```ts
 * verdict({ status: 0, noDevice: false, timedOut: false, qemuCode: 0 }, false, 60);
 * // { status: 0, message: "command exited 0" }
 * ```
 */
export function verdict(
  end: BootEnd,
  interrupted: boolean,
  timeoutSeconds: number,
): Verdict {
  if (interrupted) {
    return { status: INTERRUPTED_STATUS, message: "interrupted, qemu stopped" };
  }
  if (end.status !== undefined) {
    if (end.noDevice && end.status === NO_DEVICE_STATUS) {
      return {
        status: end.status,
        message: "FAILED: /dev/ntsync did not appear in the guest (see above)",
      };
    }
    return { status: end.status, message: `command exited ${end.status}` };
  }
  if (end.timedOut) {
    return {
      status: TIMEOUT_STATUS,
      message: `FAILED: timed out after ${timeoutSeconds} s, qemu killed`,
    };
  }
  return {
    status: 1,
    message: "FAILED: the guest never reported an exit status" +
      (end.panic ? ` (kernel panic: ${end.panic})` : "") +
      `; qemu exited ${end.qemuCode}`,
  };
}

/** Boots after the first that `diedBeforeReady` allows. */
export const BOOT_RETRIES = 2;

/**
 * Did the guest's kernel die before the command started? Under TCG early
 * boot can oops (seen: int3 in `sched_clock_cpu` while static keys are
 * patched across 2 vCPUs); such a boot ran nothing and may be retried. A
 * boot that got ready, timed out or was interrupted is never retried.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const end = { noDevice: false, timedOut: false, qemuCode: 0 };
 * assert.equal(diedBeforeReady({ ...end, panic: "Kernel panic" }), true);
 * assert.equal(diedBeforeReady({ ...end, panic: "Kernel panic", readyMs: 3000 }), false);
 * ```
 */
export function diedBeforeReady(end: BootEnd): boolean {
  return end.readyMs === undefined && end.panic !== undefined &&
    !end.timedOut && end.status === undefined;
}
