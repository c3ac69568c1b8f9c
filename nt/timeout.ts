/**
 * NT timeouts (`LARGE_INTEGER`, 100 ns units) to ntsync's absolute u64
 * nanosecond timeout and clock flag, in `bigint` throughout, as
 * `linux_wait_objs()` in Wine's `dlls/ntdll/unix/sync.c` computes them; and
 * the Win32 millisecond form, as `get_nt_timeout()` in
 * `dlls/kernelbase/sync.c`.
 *
 * @module
 */

import { NTSYNC_WAIT_REALTIME } from "../mod.ts";

/**
 * An NT timeout: negative is relative (on the monotonic clock), positive is
 * absolute in 100 ns units since 1601-01-01 UTC (on the realtime clock), `0n`
 * polls, `null` waits forever.
 */
export type NtTimeout = bigint | null;

/** `TIMEOUT_INFINITE`: the largest `LARGE_INTEGER`, treated as no timeout. */
export const TIMEOUT_INFINITE = 0x7FFF_FFFF_FFFF_FFFFn;

/** The kernel's "no timeout" (`U64_MAX`). */
export const U64_MAX = 0xFFFF_FFFF_FFFF_FFFFn;

/** Seconds from 1601-01-01 to 1970-01-01, as Wine's `SECS_1601_TO_1970`. */
export const SECS_1601_TO_1970 = 11_644_473_600n;

/** What `ntsync_wait_args` gets: the absolute timeout and the flags. */
export interface KernelTimeout {
  /** Absolute deadline in ns on the flagged clock, or `U64_MAX`. */
  readonly timeout: bigint;
  /** `NTSYNC_WAIT_REALTIME` for an absolute NT time, else 0. */
  readonly flags: number;
}

/**
 * Convert an NT timeout to the kernel's absolute form, once per call (an
 * `EINTR` retry keeps the same deadline). `now` reads a clock in ns.
 *
 * @example
 * ```ts
 * import { toKernelTimeout } from "./timeout.ts";
 * const now = () => 1_000n;
 * toKernelTimeout(-10n, now); // { timeout: 2000n, flags: 0 }: 1 us from now
 * toKernelTimeout(null, now).timeout; // 18446744073709551615n
 * ```
 */
export function toKernelTimeout(
  timeout: NtTimeout,
  now: (clock: "monotonic" | "realtime") => bigint,
): KernelTimeout {
  if (timeout === null || timeout === TIMEOUT_INFINITE) {
    return { timeout: U64_MAX, flags: 0 };
  }
  if (typeof timeout !== "bigint") {
    throw new TypeError(
      `timeout must be a bigint in 100 ns units or null, got ${typeof timeout}`,
    );
  }
  if (timeout <= 0n) {
    return { timeout: now("monotonic") - timeout * 100n, flags: 0 };
  }
  const ns = timeout * 100n - SECS_1601_TO_1970 * 1_000_000_000n;
  // A date before 1970 has already passed: a poll.
  return {
    timeout: ns < 0n ? 0n : ns > U64_MAX ? U64_MAX : ns,
    flags: NTSYNC_WAIT_REALTIME,
  };
}

/** `INFINITE`: a Win32 wait without timeout. */
export const INFINITE = 0xFFFF_FFFF;

/**
 * A Win32 timeout in ms to an NT timeout, as `get_nt_timeout()`: `INFINITE`
 * is `null`, anything else relative.
 *
 * @example
 * ```ts
 * import { INFINITE, msToNtTimeout } from "./timeout.ts";
 * msToNtTimeout(100); // -1000000n
 * msToNtTimeout(INFINITE); // null
 * ```
 */
export function msToNtTimeout(ms: number): NtTimeout {
  const u = ms >>> 0;
  if (u === INFINITE) return null;
  return -BigInt(u) * 10_000n;
}

/**
 * Now as an absolute NT time (100 ns since 1601), from the realtime clock
 * in ns, as `NtQuerySystemTime`.
 *
 * @example
 * ```ts
 * import { ntTimeFromUnixNs } from "./timeout.ts";
 * ntTimeFromUnixNs(0n); // 116444736000000000n
 * ```
 */
export function ntTimeFromUnixNs(ns: bigint): bigint {
  return ns / 100n + SECS_1601_TO_1970 * 10_000_000n;
}
