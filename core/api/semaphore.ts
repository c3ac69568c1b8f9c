/**
 * The semaphore handle: `release` and `read`.
 *
 * @module
 */

import {
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
} from "../../uapi/ioctl.ts";
import { Errno } from "../../uapi/errno.ts";
import { NtsyncError } from "../errors.ts";
import { type ObjectKind, SyncObject } from "./object.ts";
import { closedError, u32Error } from "./validate.ts";
import type { WaitAsyncOptions, WaitOptions } from "./wait.ts";

/**
 * A semaphore's state, as `read()` reports it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using sem = dev.createSemaphore(2, 5);
 * const { count, max } = sem.read();
 * assert.deepEqual([count, max], [2, 5]);
 * ```
 */
export interface SemaphoreState {
  /** The current count (0 means unsignaled). */
  readonly count: number;
  /** The maximum count. */
  readonly max: number;
}

/**
 * A counting semaphore: signaled while its count is nonzero; a wait that
 * acquires it takes one from the count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using sem = dev.createSemaphore(0, 2);
 * assert.equal(sem.release(), 0); // the previous count
 * assert.deepEqual(sem.read(), { count: 1, max: 2 });
 * assert.throws(() => sem.release(2), { code: "EOVERFLOW" }); // 1 + 2 exceeds max 2
 * ```
 */
export class Semaphore extends SyncObject {
  /** Always `"semaphore"`. */
  get kind(): ObjectKind {
    return "semaphore";
  }

  /**
   * Add `amount` (default 1) to the count and wake waiters; returns the
   * count before the release.
   *
   * @throws {NtsyncError} `EOVERFLOW` when the count would exceed `max`
   * (nothing changes); its message gives the numbers, e.g.
   * `release(5): EOVERFLOW: count 2 + 5 exceeds max 3 (errno 75)`.
   * @throws {RangeError} when `amount` is not an integer in [0, 2^32-1].
   */
  release(amount = 1): number {
    if (this.closed) throw closedError("release", "semaphore");
    if (typeof amount !== "number" || (amount >>> 0) !== amount) {
      throw u32Error("release", "amount", amount, 0);
    }
    const words = this.words;
    words[0] = amount;
    const r = this.backend.tryIoctl(this.fd, NTSYNC_IOC_SEM_RELEASE, this.args);
    if (r < 0) throw this.#releaseError(-r, amount);
    return words[0];
  }

  /** The failure of `release(amount)`, with the counts when they explain it. */
  #releaseError(errno: number, amount: number): NtsyncError {
    const op = `release(${amount})`;
    if (errno !== Errno.EOVERFLOW) return new NtsyncError(errno, op);
    // The release changed nothing; the state read now is what it met,
    // unless another thread moved it meanwhile.
    const r = this.backend.tryIoctl(this.fd, NTSYNC_IOC_SEM_READ, this.args);
    if (r < 0) return new NtsyncError(errno, op);
    const [count, max] = this.words;
    return new NtsyncError(
      errno,
      op,
      `count ${count} + ${amount} exceeds max ${max}`,
    );
  }

  /**
   * Take one unit, waiting as `options` say (forever by default): `true`
   * once taken, `false` when the wait timed out or was alerted. The Web
   * Locks / async-sema shape; `wait()` gives the full outcome.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using slots = dev.createSemaphore(1, 1);
   * assert.equal(slots.acquire(), true);
   * assert.equal(slots.acquire({ timeout: 0 }), false); // none left
   * slots.release();
   * ```
   */
  acquire(options?: WaitOptions): boolean {
    return this.wait(options).status === "signaled";
  }

  /**
   * {@linkcode Semaphore.acquire} without blocking the event loop;
   * `options.signal` cancels it (the promise rejects with its reason).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using slots = dev.createSemaphore(0, 1);
   * setTimeout(() => slots.release(), 5);
   * assert.equal(await slots.acquireAsync({ timeout: 5000 }), true);
   * ```
   */
  async acquireAsync(options?: WaitAsyncOptions): Promise<boolean> {
    return (await this.waitAsync(options)).status === "signaled";
  }

  /** The current `{count, max}`. */
  read(): SemaphoreState {
    if (this.closed) throw closedError("read", "semaphore");
    this.backend.ioctl(this.fd, NTSYNC_IOC_SEM_READ, this.args);
    const words = this.words;
    return { count: words[0], max: words[1] };
  }
}
