/**
 * The emulated device's clocks, readable from every Worker without FFI.
 *
 * `performance.timeOrigin + performance.now()` is the same high-resolution
 * wall-clock reading in every thread (each Worker has its own origin, but
 * the sum agrees). REALTIME is that reading in ns since the epoch; MONOTONIC
 * counts from a base stored in the device's shared memory when it was
 * created (plus one second, so that "now" is never 0).
 *
 * @module
 */

const MONOTONIC_OFFSET_MS = 1000;

/** Milliseconds since the epoch, with sub-microsecond resolution. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A `wallMs` time on this thread's `performance.now()` clock. */
export function perfMs(wall: number): number {
  return wall - performance.timeOrigin;
}

/** A device's two clocks as ns bigints, and deadlines back in wall ms. */
export class DeviceClock {
  /** Wall ms at which the device's MONOTONIC clock started. */
  readonly baseMs: number;

  /** @param baseMs wall ms at which the device's MONOTONIC clock started */
  constructor(baseMs: number) {
    this.baseMs = baseMs;
  }

  /** MONOTONIC now in ns. */
  monotonicNs(): bigint {
    return msToNs(wallMs() - this.baseMs + MONOTONIC_OFFSET_MS);
  }

  /** REALTIME now in ns. */
  realtimeNs(): bigint {
    return msToNs(wallMs());
  }

  /** An absolute timeout in ns on the given clock (below 2^63), as wall ms. */
  deadlineMs(timeoutNs: number, realtime: boolean): number {
    const ms = timeoutNs / 1e6;
    return realtime ? ms : ms - MONOTONIC_OFFSET_MS + this.baseMs;
  }
}

function msToNs(ms: number): bigint {
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}
