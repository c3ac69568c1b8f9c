/**
 * The process's shared memory: one `SharedArrayBuffer` every thread (Worker)
 * of an NT process maps, holding what the wineserver keeps for a process:
 * the object table, the handle table, the name table, the thread table and
 * the APC queue. One lock word guards them all; it is never held across a
 * blocking call.
 *
 * @module
 */

/** Word indexes of the header. */
export const HDR = {
  lock: 0,
  apcSeq: 2,
  deviceFd: 3,
  processObject: 4,
  pid: 5,
} as const;
const HEADER_WORDS = 16;

/** Object table: one row per object. */
export const OBJ = {
  max: 1024,
  words: 8,
  base: HEADER_WORDS,
  /** Column indexes within a row. */
  type: 0,
  fd: 1,
  refs: 2,
  handles: 3,
  name: 4,
  flags: 5,
  extra: 6,
} as const;

/** Handle table: `[object + 1, granted access]` per handle. */
export const HANDLE = {
  max: 4096,
  words: 2,
  base: OBJ.base + OBJ.max * OBJ.words,
  object: 0,
  access: 1,
} as const;

/** Thread table: one row per thread. */
export const THREAD = {
  max: 128,
  words: 12,
  base: HANDLE.base + HANDLE.max * HANDLE.words,
  tid: 0,
  state: 1,
  exitCode: 2,
  object: 3,
  alertFd: 4,
  startFd: 5,
  suspended: 6,
  killFd: 7,
  entered: 8,
} as const;

/** APC records: a header and a UTF-8 JSON payload. */
export const APC = {
  max: 64,
  payloadBytes: 4096,
  words: 4 + 4096 / 4,
  base: THREAD.base + THREAD.max * THREAD.words,
  state: 0,
  tid: 1,
  seq: 2,
  length: 3,
} as const;

/** Name table: `[object + 1, length]` and up to `chars` UTF-16 units. */
export const NAME = {
  max: 256,
  chars: 512,
  words: 2 + 512 / 2,
  base: APC.base + APC.max * APC.words,
  object: 0,
  length: 1,
} as const;

const TOTAL_WORDS = NAME.base + NAME.max * NAME.words;

/**
 * One process's shared memory, as this thread sees it.
 *
 * @example
 * ```ts
 * import { SharedProcessMemory } from "./shared.ts";
 * const mem = new SharedProcessMemory();
 * mem.locked(() => mem.words[0]); // 1: the lock is held inside
 * ```
 */
export class SharedProcessMemory {
  /** The buffer (post it to a Worker). */
  readonly buffer: SharedArrayBuffer;
  /** Every table as 32-bit words. */
  readonly words: Int32Array;
  /** The same memory as 16-bit units (names). */
  readonly units: Uint16Array;
  /** The same memory as bytes (APC payloads). */
  readonly bytes: Uint8Array;

  /** Map `buffer`, or allocate a new zeroed process. */
  constructor(buffer?: SharedArrayBuffer) {
    this.buffer = buffer ?? new SharedArrayBuffer(TOTAL_WORDS * 4);
    if (this.buffer.byteLength !== TOTAL_WORDS * 4) {
      throw new TypeError("not an NT process's shared memory");
    }
    this.words = new Int32Array(this.buffer);
    this.units = new Uint16Array(this.buffer);
    this.bytes = new Uint8Array(this.buffer);
  }

  #depth = 0;

  /**
   * Run `fn` holding the process lock (a futex-style mutex on word 0:
   * 0 free, 1 held, 2 held with sleepers); re-entrant within this thread.
   * Never block inside `fn`.
   */
  locked<T>(fn: () => T): T {
    if (this.#depth > 0) {
      this.#depth++;
      try {
        return fn();
      } finally {
        this.#depth--;
      }
    }
    const w = this.words;
    if (Atomics.compareExchange(w, HDR.lock, 0, 1) !== 0) {
      while (Atomics.exchange(w, HDR.lock, 2) !== 0) {
        Atomics.wait(w, HDR.lock, 2);
      }
    }
    this.#depth = 1;
    try {
      return fn();
    } finally {
      this.#depth = 0;
      if (Atomics.exchange(w, HDR.lock, 0) === 2) {
        Atomics.notify(w, HDR.lock, 1);
      }
    }
  }
}
