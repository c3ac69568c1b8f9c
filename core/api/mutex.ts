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
import type { WaitAsyncOptions, WaitOptions, WaitResult } from "./wait.ts";

/**
 * A mutex's state, as `read()` reports it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using m = dev.createMutex(3);
 * m.kill(3); // as if owner 3 died holding it
 * assert.deepEqual(m.read(), { owner: 0, count: 0, abandoned: true });
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
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using mutex = dev.createMutex(7); // owned by 7, count 1
 * assert.equal(mutex.unlock(7), 1); // the previous count
 * assert.deepEqual(mutex.read(), { owner: 0, count: 0, abandoned: false });
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
    const r = this.backend.tryIoctl(
      this.fd,
      NTSYNC_IOC_MUTEX_UNLOCK,
      this.args,
    );
    if (r < 0) throw this.#ownerError(-r, "unlock", owner);
    return words[1];
  }

  /**
   * The failure of `unlock`/`kill` by `owner`; for EPERM, with who holds
   * the mutex (read just after: another thread may have moved it since).
   */
  #ownerError(errno: number, op: string, owner: number): NtsyncError {
    const call = `${op}(${owner})`;
    if (errno !== Errno.EPERM) return new NtsyncError(errno, call);
    const r = this.backend.tryIoctl(this.fd, NTSYNC_IOC_MUTEX_READ, this.args);
    const holder = r === -Errno.EOWNERDEAD
      ? "it is abandoned and free"
      : r < 0
      ? undefined
      : this.words[0] === 0
      ? "it is free"
      : `it is held by owner ${this.words[0]} (count ${this.words[1]})`;
    return new NtsyncError(
      errno,
      call,
      holder === undefined
        ? `owner ${owner} does not hold the mutex`
        : `owner ${owner} does not hold the mutex: ${holder}`,
    );
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
    const r = this.backend.tryIoctl(this.fd, NTSYNC_IOC_MUTEX_KILL, this.args);
    if (r < 0) throw this.#ownerError(-r, "kill", owner);
  }

  /**
   * Acquire the mutex for `options.owner` (default: this thread's id),
   * waiting as `options` say (forever by default), and return a guard whose
   * disposal unlocks it: `using guard = mutex.lock();`. `null` when the wait
   * timed out or was alerted (`using` accepts `null`; check it before
   * touching what the mutex protects). A mutex whose last owner died is
   * acquired all the same, with `guard.abandoned` set: what it protects may
   * be inconsistent.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using mutex = dev.createMutex();
   * {
   *   using guard = mutex.lock();
   *   assert.equal(guard?.abandoned, false);
   *   assert.equal(mutex.read().owner, dev.threadId);
   * } // unlocked here
   * assert.equal(mutex.read().owner, 0);
   * ```
   */
  lock(options?: WaitOptions): MutexGuard | null {
    const result = this.wait(options);
    return this.#guard(result, options);
  }

  /**
   * {@linkcode Mutex.lock} without blocking the event loop (the main
   * thread's form; `options.signal` cancels it).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using mutex = dev.createMutex();
   * using guard = await mutex.lockAsync({ timeout: 1000 });
   * assert.ok(guard !== null);
   * ```
   */
  async lockAsync(options?: WaitAsyncOptions): Promise<MutexGuard | null> {
    const result = await this.waitAsync(options);
    return this.#guard(result, options);
  }

  #guard(
    result: WaitResult,
    options: WaitOptions | undefined,
  ): MutexGuard | null {
    if (result.status !== "signaled" && result.status !== "abandoned") {
      return null;
    }
    return new MutexGuard(
      this,
      options?.owner ?? this.device.threadId,
      result.status === "abandoned",
    );
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

/**
 * One acquisition of a mutex, from {@linkcode Mutex.lock}: disposing it
 * (the end of a `using` block) unlocks that acquisition, once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using mutex = dev.createMutex();
 * const outer = mutex.lock()!;
 * const inner = mutex.lock()!; // recursive: count 2
 * assert.equal(inner.unlock(), 2);
 * inner[Symbol.dispose](); // already unlocked: nothing more
 * outer[Symbol.dispose]();
 * assert.deepEqual(mutex.read(), { owner: 0, count: 0, abandoned: false });
 * ```
 */
export class MutexGuard implements Disposable {
  /** The mutex held. */
  readonly mutex: Mutex;
  /** The owner id it is held for. */
  readonly owner: number;
  /** True when the mutex had been abandoned by its last owner. */
  readonly abandoned: boolean;
  #held = true;

  /**
   * Made by {@linkcode Mutex.lock}; a guard for an acquisition made some
   * other way can be built too.
   *
   * @param mutex the mutex acquired
   * @param owner the owner id it was acquired for
   * @param abandoned whether the acquisition reported "abandoned"
   */
  constructor(mutex: Mutex, owner: number, abandoned: boolean) {
    this.mutex = mutex;
    this.owner = owner;
    this.abandoned = abandoned;
  }

  /** True until `unlock()` or disposal. */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Unlock this acquisition now; returns the recursion count before it.
   *
   * @throws {TypeError} when this guard already unlocked.
   */
  unlock(): number {
    if (!this.#held) {
      throw new TypeError("MutexGuard.unlock: this guard already unlocked");
    }
    this.#held = false;
    return this.mutex.unlock(this.owner);
  }

  /** `unlock()` unless already done: the end of a `using` block. */
  [Symbol.dispose](): void {
    if (this.#held) this.unlock();
  }
}
