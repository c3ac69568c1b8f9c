/**
 * Thread identity and revocation for the native backend.
 *
 * The kernel knows nothing of Workers: every thread of the process uses the
 * same fds, and a Worker that `terminate()` left running (Deno) or that died
 * blocked in a wait (its thread stuck in the kernel) cannot be told apart.
 * So the backend keeps, in shared memory:
 *
 * - a **family** block, made by the thread that opened the backend and
 *   carried in every share token: the thread id counter (ids unique across
 *   all attachments of the family) and a bitmap of the mutex fds created
 *   through any of them (reap has to `MUTEX_KILL` the dead thread's
 *   mutexes, and the kernel cannot list them);
 * - a **cell** per attachment (per share token): its revoked flag, its
 *   in-call count, and the private alert events its blocking waits carry
 *   (one per device fd, manual-reset, set by reap only), which is how reap
 *   wakes a wait blocked in the kernel.
 *
 * What the kernel makes impossible, and reap therefore cannot do:
 * - interrupt a wait whose alert slot the caller already uses (the kernel
 *   takes one alert per wait), or an async wait given an `AbortSignal`
 *   (its abort event takes the slot);
 * - stop a call that has already passed its revocation check and is on its
 *   way into the kernel when reap runs: if it succeeds it takes effect, like
 *   a call made just before reap (a failure is reported as ESRCH: it changed
 *   nothing, and reap's own MUTEX_KILL may be why an unlock failed); a wait
 *   is the exception, below;
 * - find mutexes made outside this backend, or through fds from 2^20 up.
 *
 * A wait that was asleep, or on its way in, when reap ran can still be
 * granted an object (the kernel tries the objects before the alert reap
 * sets): the backend gives back what it acquired and fails it ESRCH, as the
 * engine does (give_back.ts says how).
 *
 * @module
 */

/** Mutex fds tracked: 0 .. MUTEX_FDS-1. */
export const MUTEX_FDS = 1 << 20;

// Family words.
const F_THREADS = 0;
const F_BITMAP = 1;

// Cell words.
const C_REVOKED = 0;
const C_THREAD = 1;
const C_IN_CALL = 2;
const C_ALERTS = 3;
const C_PAIRS = 4;
/** Device fds an attachment keeps a private alert for. */
export const MAX_ALERTS = 16;
const CELL_WORDS = C_PAIRS + 2 * MAX_ALERTS;

/** A fresh family block (its first id is for the thread that made it). */
export function newFamily(): Int32Array {
  return new Int32Array(
    new SharedArrayBuffer((F_BITMAP + MUTEX_FDS / 32) * 4),
  );
}

/** The family block a token carries, or null. */
export function familyOf(buffer: unknown): Int32Array | null {
  if (
    !(buffer instanceof SharedArrayBuffer) ||
    buffer.byteLength !== (F_BITMAP + MUTEX_FDS / 32) * 4
  ) return null;
  return new Int32Array(buffer);
}

/** The next thread id of the family: nonzero, unique. */
export function nextThreadId(family: Int32Array): number {
  let id = (Atomics.add(family, F_THREADS, 1) + 1) >>> 0;
  if (id === 0) id = (Atomics.add(family, F_THREADS, 1) + 1) >>> 0;
  return id;
}

/** Note that `fd` is a mutex (made through this family). */
export function trackMutex(family: Int32Array, fd: number): void {
  if (fd >= 0 && fd < MUTEX_FDS) {
    Atomics.or(family, F_BITMAP + (fd >>> 5), 1 << (fd & 31));
  }
}

/** `fd` is closed (or no mutex): stop tracking it. */
export function untrackMutex(family: Int32Array, fd: number): void {
  if (fd >= 0 && fd < MUTEX_FDS) {
    Atomics.and(family, F_BITMAP + (fd >>> 5), ~(1 << (fd & 31)));
  }
}

/** Every tracked mutex fd, lowest first. */
export function trackedMutexes(family: Int32Array): number[] {
  const fds: number[] = [];
  for (let w = 0; w < MUTEX_FDS / 32; w++) {
    const bits = Atomics.load(family, F_BITMAP + w);
    if (bits === 0) continue;
    for (let b = 0; b < 32; b++) if (bits & (1 << b)) fds.push(w * 32 + b);
  }
  return fds;
}

/** One attachment's shared words (see the module doc). */
export class Cell {
  /** The words. */
  readonly words: Int32Array;

  private constructor(words: Int32Array) {
    this.words = words;
  }

  /** A new cell for thread `thread`. */
  static create(thread: number): Cell {
    const words = new Int32Array(new SharedArrayBuffer(CELL_WORDS * 4));
    words[C_THREAD] = thread | 0;
    return new Cell(words);
  }

  /** The cell a token carries for `thread`, or null. */
  static of(buffer: unknown, thread: number): Cell | null {
    if (
      !(buffer instanceof SharedArrayBuffer) ||
      buffer.byteLength !== CELL_WORDS * 4
    ) return null;
    const words = new Int32Array(buffer);
    return words[C_THREAD] === (thread | 0) ? new Cell(words) : null;
  }

  /** The shared memory, for the token. */
  get buffer(): SharedArrayBuffer {
    return this.words.buffer as SharedArrayBuffer;
  }

  /** Has reap revoked the attachment? */
  get revoked(): boolean {
    return Atomics.load(this.words, C_REVOKED) !== 0;
  }

  /** Revoke it (reap). */
  revoke(): void {
    Atomics.store(this.words, C_REVOKED, 1);
  }

  /** A call that may use a private alert starts. */
  enter(): void {
    Atomics.add(this.words, C_IN_CALL, 1);
  }

  /** ...and ends. */
  leave(): void {
    Atomics.sub(this.words, C_IN_CALL, 1);
  }

  /**
   * Wait up to `ms` for the attachment's calls to leave (a thread killed
   * inside one never does: the wait is bounded). True if none is inside.
   */
  quiet(ms: number): boolean {
    const end = performance.now() + ms;
    for (;;) {
      const n = Atomics.load(this.words, C_IN_CALL);
      if (n === 0) return true;
      const left = end - performance.now();
      if (left <= 0) return false;
      Atomics.wait(this.words, C_IN_CALL, n, Math.min(left, 5));
    }
  }

  /** The private alert for device fd `dev`, or -1. */
  alertFor(dev: number): number {
    const w = this.words, n = Atomics.load(w, C_ALERTS);
    for (let i = 0; i < n; i++) {
      if (w[C_PAIRS + 2 * i] !== dev) continue;
      const event = Atomics.load(w, C_PAIRS + 2 * i + 1);
      if (event >= 0) return event;
    }
    return -1;
  }

  /** Publish `event` as the private alert of `dev` (a dropped slot is reused); false when full. */
  addAlert(dev: number, event: number): boolean {
    const w = this.words, n = w[C_ALERTS];
    for (let i = 0; i < n; i++) {
      if (w[C_PAIRS + 2 * i + 1] !== -1) continue;
      w[C_PAIRS + 2 * i] = dev;
      Atomics.store(w, C_PAIRS + 2 * i + 1, event);
      return true;
    }
    if (n >= MAX_ALERTS) return false;
    w[C_PAIRS + 2 * n] = dev;
    Atomics.store(w, C_PAIRS + 2 * n + 1, event);
    Atomics.store(w, C_ALERTS, n + 1);
    return true;
  }

  /**
   * Forget the private alert of `dev` (it is about to be closed); its fd,
   * or -1. Only the attachment's own thread adds and drops.
   */
  dropAlert(dev: number): number {
    const w = this.words, n = w[C_ALERTS];
    for (let i = 0; i < n; i++) {
      if (w[C_PAIRS + 2 * i] !== dev) continue;
      const event = w[C_PAIRS + 2 * i + 1];
      Atomics.store(w, C_PAIRS + 2 * i + 1, -1);
      return event;
    }
    return -1;
  }

  /** Every private alert event fd (reap sets them all). */
  alerts(): number[] {
    const w = this.words, n = Atomics.load(w, C_ALERTS), fds: number[] = [];
    for (let i = 0; i < n; i++) {
      const event = Atomics.load(w, C_PAIRS + 2 * i + 1);
      if (event >= 0) fds.push(event);
    }
    return fds;
  }

  /** Mark every private alert gone (reap closes them); their fds. */
  takeAlerts(): number[] {
    const fds = this.alerts(), w = this.words;
    const n = Atomics.load(w, C_ALERTS);
    for (let i = 0; i < n; i++) Atomics.store(w, C_PAIRS + 2 * i + 1, -1);
    return fds;
  }
}
