/**
 * The mutex handle: `unlock`, `kill` and `read`.
 *
 * @module
 */

import { Errno } from "../../uapi/errno.ts";
import {
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_MUTEX_UNLOCK,
} from "../../uapi/ioctl.ts";
import { NtsyncError } from "../errors.ts";
import { type ObjectKind, SyncObject } from "./object.ts";
import { closedError, u32Error } from "./validate.ts";

/**
 * A mutex's state, as `read()` reports it.
 *
 * @example
 * ```ts
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using m = dev.createMutex(3);
 * m.kill(3); // as if owner 3 died holding it
 * m.read(); // { owner: 0, count: 0, abandoned: true }
 * ```
 */
export interface MutexState {
  /** The owner id, 0 when unowned (or abandoned). */
  readonly owner: number;
  /** The recursion count, 0 when unowned (or abandoned). */
  readonly count: number;
  /**
   * True when the owner was killed (`kill`) and no wait has acquired the
   * mutex since: the next acquirer gets the `"abandoned"` wait status.
   */
  readonly abandoned: boolean;
}

const ABANDONED_STATE: MutexState = Object.freeze({
  owner: 0,
  count: 0,
  abandoned: true,
});

/**
 * An owned, recursive mutex. Owners are nonzero 32-bit ids: by default the
 * device's `threadId` (Wine uses thread ids too), or any of your choosing;
 * a wait acquires the mutex for `options.owner`, else for the thread.
 *
 * @example
 * ```ts
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using mutex = dev.createMutex(7); // owned by 7, count 1
 * mutex.unlock(7); // 1, the previous count
 * mutex.read(); // { owner: 0, count: 0, abandoned: false }
 * ```
 */
export class Mutex extends SyncObject {
  /** Always `"mutex"`. */
  get kind(): ObjectKind {
    return "mutex";
  }

  /**
   * Release one level of recursion held by `owner` (default: the device's
   * `threadId`, this thread's); returns the count before the unlock (1
   * means it is now free).
   *
   * @throws {NtsyncError} `EPERM` when `owner` does not own the mutex.
   * @throws {RangeError} when `owner` is not an integer in [1, 2^32-1].
   */
  unlock(owner: number = this.device.threadId): number {
    if (this.closed) throw closedError("unlock", "mutex");
    if (typeof owner !== "number" || (owner >>> 0) !== owner || owner === 0) {
      throw u32Error("unlock", "owner", owner, 1);
    }
    const words = this.words;
    words[0] = owner;
    words[1] = 0;
    this.backend.ioctl(this.fd, NTSYNC_IOC_MUTEX_UNLOCK, this.args);
    return words[1];
  }

  /**
   * Mark the mutex abandoned by `owner` (as when a thread dies holding it):
   * it becomes free, and the next wait to acquire it reports `"abandoned"`.
   *
   * `owner` defaults to the device's `threadId`. (To clean up after a dead
   * Worker, `device.reap(token)` abandons all its mutexes at once.)
   *
   * @throws {NtsyncError} `EPERM` when `owner` does not own the mutex.
   * @throws {RangeError} when `owner` is not an integer in [1, 2^32-1].
   */
  kill(owner: number = this.device.threadId): void {
    if (this.closed) throw closedError("kill", "mutex");
    if (typeof owner !== "number" || (owner >>> 0) !== owner || owner === 0) {
      throw u32Error("kill", "owner", owner, 1);
    }
    this.words[0] = owner;
    this.backend.ioctl(this.fd, NTSYNC_IOC_MUTEX_KILL, this.args);
  }

  /** The current `{owner, count, abandoned}`. */
  read(): MutexState {
    if (this.closed) throw closedError("read", "mutex");
    try {
      this.backend.ioctl(this.fd, NTSYNC_IOC_MUTEX_READ, this.args);
    } catch (err) {
      // The kernel reports an abandoned mutex as EOWNERDEAD (after writing
      // {0, 0}); here it is a state, not a failure.
      if (err instanceof NtsyncError && err.errno === Errno.EOWNERDEAD) {
        return ABANDONED_STATE;
      }
      throw err;
    }
    const words = this.words;
    return { owner: words[0], count: words[1], abandoned: false };
  }
}
