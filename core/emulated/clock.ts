/**
 * The emulated device's clocks, readable from every Worker without FFI.
 *
 * A thread's wall clock is `Date.now()` (the system's CLOCK_REALTIME, the
 * same in every thread, to the millisecond) carried on at sub-microsecond
 * resolution by `performance.now()`: the origin is taken once per thread,
 * at the moments `Date.now()` ticks. `performance.timeOrigin` alone is not
 * enough: each Worker takes its own when it starts, and under load one was
 * measured 2 ms ahead of the thread that started it, so a deadline one
 * thread computed passed early on another. An origin taken on a busy
 * machine can be off too, so {@linkcode reached} checks `Date.now()` again
 * before a wait times out. REALTIME is that reading in ns
 * since the epoch; MONOTONIC counts from a base stored in the device's
 * shared memory when it was created (plus one second, so that "now" is
 * never 0).
 *
 * @module
 */

const MONOTONIC_OFFSET_MS = 1000;

/** A bracket this tight (ms) is taken at once: the tick is known to 10 µs. */
const TIGHT_MS = 0.02;

/**
 * This thread's wall clock at `performance.now()` 0, in ms since the
 * epoch: `Date.now()` is watched over its next ticks, each bracketed by two
 * `performance.now()` readings, and the tightest bracket's middle taken as
 * the tick's moment (a thread descheduled in between widens its bracket,
 * and loses). It stops at the first bracket under {@linkcode TIGHT_MS} or
 * after ten ticks (10 ms, on a machine too busy to give a tight one).
 */
function findOrigin(): number {
  let found = performance.timeOrigin, best = Infinity;
  let last = Date.now(), before = performance.now();
  // Bounded: a clock that does not tick (a frozen test clock) keeps the
  // origin the runtime gives.
  for (let ticks = 0, n = 0; ticks < 10 && n < 3e7; n++) {
    const now = Date.now(), after = performance.now();
    if (now !== last) {
      if (after - before < best) {
        best = after - before;
        found = now - (before + after) / 2;
      }
      if (best < TIGHT_MS) break;
      last = now;
      ticks++;
    }
    before = after;
  }
  return found;
}

let origin = Number.NaN;

/** Milliseconds since the epoch, with sub-microsecond resolution. */
export function wallMs(): number {
  if (origin !== origin) origin = findOrigin();
  return origin + performance.now();
}

/**
 * `wallMs()` for a REALTIME reading, which a wait on another thread may
 * compare with its own clock: checked against `Date.now()` (the wall time
 * rounded down), and the origin taken again when this thread's clock has
 * left it (the origin taken under load, or the system clock stepped or
 * slewed since). Each thread keeps its own origin; so a REALTIME deadline
 * made on one thread and waited for on another is off by no more than
 * `Date.now()` can tell, not by how far the first thread's origin drifted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { realtimeMs } from "./clock.ts";
 * const before = Date.now(), now = realtimeMs(), after = Date.now();
 * assert.ok(now > before - 0.1 && now < after + 1.1);
 * ```
 */
export function realtimeMs(): number {
  const now = wallMs(), wall = Date.now();
  // In step: `wall` is `now` rounded down, or a tick later (read after it).
  if (now > wall - 0.1 && now < wall + 1.1) return now;
  origin = findOrigin();
  return wallMs();
}

/**
 * Has the wall-clock time `deadlineMs` come, on this thread's clock? Just
 * after it (within 2 ms), `Date.now()` is asked too: it is the wall time
 * rounded down, so a reading below `deadlineMs - 1` proves the deadline is
 * still ahead, and that this thread's origin ran ahead of the wall clock
 * (taken under load, or the clocks drifted apart since): it is taken again,
 * so a deadline another thread computed never passes early here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reached, wallMs } from "./clock.ts";
 * assert.equal(reached(wallMs() - 10), true);
 * assert.equal(reached(wallMs() + 1000), false);
 * ```
 */
export function reached(deadlineMs: number): boolean {
  const now = wallMs();
  if (deadlineMs > now) return false;
  if (now - deadlineMs >= 2 || Date.now() >= deadlineMs - 1) return true;
  origin = findOrigin();
  return deadlineMs <= wallMs();
}

/**
 * Tests only: move this thread's origin by `ms`, as an origin taken badly
 * would be (see {@linkcode reached}); null: take it afresh at next use.
 */
export function skewOriginForTest(ms: number | null): void {
  if (ms === null) origin = Number.NaN;
  else origin = (origin !== origin ? findOrigin() : origin) + ms;
}

/** A `wallMs` time on this thread's `performance.now()` clock. */
export function perfMs(wall: number): number {
  if (origin !== origin) origin = findOrigin();
  return wall - origin;
}

/**
 * Where a spin before deadline `deadlineMs` (a `wallMs` time, Infinity for
 * none) must end at the latest, on the spinner's clock. Infinity stays the
 * constant: a double computed on every wait and passed to a call that is
 * not inlined is boxed, i.e. allocated, and the scavenges that follow
 * stall a ping-pong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { perfMs, spinEndMs, wallMs } from "./clock.ts";
 * assert.equal(spinEndMs(Infinity), Infinity);
 * const deadline = wallMs() + 5;
 * assert.equal(spinEndMs(deadline), perfMs(deadline));
 * ```
 */
export function spinEndMs(deadlineMs: number): number {
  return deadlineMs === Infinity ? Infinity : perfMs(deadlineMs);
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

  /** REALTIME now in ns (see `realtimeMs`). */
  realtimeNs(): bigint {
    return msToNs(realtimeMs());
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
