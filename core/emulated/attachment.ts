/**
 * An attachment's revocation word. It lives in a small `SharedArrayBuffer`
 * of its own that travels in the attachment's share token, so the thread
 * that reaps it and the thread using it (running, blocked, or a zombie that
 * `terminate()` did not stop) see the same word, whether or not the
 * attachment was ever made. No capacity to run out of: each token has its
 * own, and it goes away with the last thread that holds it.
 *
 * @module
 */

/**
 * Word 0: nonzero once the attachment is revoked (reaped).
 *
 * Guarded by: Atomics on the word: set once, never cleared, by the reaper
 * while it holds the device lock; read by the attachment's thread at the
 * start of each call and again under the lock (fast.ts, "Reaped
 * attachments").
 */
export const REVOKED = 0;
/**
 * Word 1: the attachment's thread id (to check a token against).
 *
 * Guarded by: written once, before the cell is shared; read-only after.
 */
export const THREAD = 1;
const WORDS = 2;

/** A fresh cell for thread `thread`. */
export function newCell(thread: number): Int32Array {
  const cell = new Int32Array(new SharedArrayBuffer(WORDS * 4));
  cell[THREAD] = thread;
  return cell;
}

/** The cell a token carries for thread `thread`, or null if it has none. */
export function cellOf(buffer: unknown, thread: number): Int32Array | null {
  if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < WORDS * 4) {
    return null;
  }
  const cell = new Int32Array(buffer, 0, WORDS);
  return cell[THREAD] === (thread | 0) ? cell : null;
}
