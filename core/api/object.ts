/**
 * What every ntsync object handle has in common: its device, its fd, its
 * closed state and its disposal.
 *
 * @module
 */

import type { Backend } from "../backend.ts";
import type { Device } from "./device.ts";
import type { WaitAsyncOptions, WaitOptions, WaitResult } from "./wait.ts";

/**
 * The three kinds of ntsync object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ObjectKind } from "./object.ts";
 * const kinds: ObjectKind[] = ["semaphore", "mutex", "event"];
 * assert.equal(kinds.length, 3);
 * ```
 */
export type ObjectKind = "semaphore" | "mutex" | "event";

/**
 * The key that lets the device construct handles; user code gets handles
 * from `Device` methods (`createSemaphore`, `semaphore(fd)`, …) instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CONSTRUCT } from "./object.ts";
 * assert.equal(typeof CONSTRUCT, "symbol");
 * ```
 */
export const CONSTRUCT: unique symbol = Symbol("ntsync.construct");

/**
 * A handle to one ntsync object (a {@linkcode Semaphore}, {@linkcode Mutex}
 * or {@linkcode Event}) of one {@linkcode Device}.
 *
 * A handle either owns its fd (it was created here: `close()` closes the fd)
 * or borrows it (it was adopted with `device.semaphore(fd)` and friends,
 * typically in a Worker: `close()` only lets go of the handle, and the thread
 * that created the object closes it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * const sem = dev.createSemaphore(0, 1);
 * assert.equal(sem.kind, "semaphore");
 * assert.equal(sem.closed, false);
 * sem.close();
 * assert.equal(sem.closed, true);
 * assert.throws(() => sem.release(), TypeError); // "release: the semaphore is closed"
 * ```
 */
export abstract class SyncObject implements Disposable {
  /** The device this object belongs to; only its waits accept it. */
  readonly device: Device;
  /** The object's fd on the device's backend (post it to a Worker to share). */
  readonly fd: number;
  /** True when `close()` closes the fd, false for a borrowed handle. */
  readonly owned: boolean;
  /** The backend the ioctls go to (the device's). */
  protected readonly backend: Backend;
  /** Preallocated argument struct (8 bytes: every object struct fits). */
  protected readonly args: DataView;
  /** The same 8 bytes as two host-endian `__u32` words. */
  protected readonly words: Uint32Array;
  #closed = false;
  /** `[this]` for {@linkcode SyncObject.wait}, made on first use. */
  #self: readonly SyncObject[] | undefined;
  #live: Set<SyncObject>;

  /**
   * Handles are made by their device, never directly.
   *
   * @param key the device's construction key
   * @param device the device the object belongs to
   * @param fd the object's fd, or the call that creates it
   * @param owned whether `close()` closes the fd
   * @param live the device's set of open handles (this one joins it)
   */
  constructor(
    key: symbol,
    device: Device,
    fd: number | (() => number),
    owned: boolean,
    live: Set<SyncObject>,
  ) {
    if (key !== CONSTRUCT) {
      throw new TypeError(
        "ntsync objects are made by a Device: use device.createSemaphore(), createMutex(), createEvent() or device.semaphore(fd)/mutex(fd)/event(fd)",
      );
    }
    this.device = device;
    this.owned = owned;
    this.backend = device.backend;
    const buffer = new ArrayBuffer(8);
    this.args = new DataView(buffer);
    this.words = new Uint32Array(buffer);
    this.#live = live;
    this.fd = -1;
    live.add(this);
    // A new object's fd is made last: once it exists, nothing is left that
    // can fail (a stack overflow included) and leak it. If making it fails,
    // the handle stays in the device's set with fd -1, which close() skips.
    this.fd = typeof fd === "function" ? fd() : fd;
  }

  /** Which kind of object this is. */
  abstract get kind(): ObjectKind;

  /** True once `close()` ran (here, or through the device's `close()`). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Close the handle: an owned handle closes its fd, a borrowed one only
   * stops being usable. A second call does nothing. A wait already pending
   * on the object is not disturbed (the kernel keeps the object alive until
   * the wait ends).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#live.delete(this);
    if (this.owned && this.fd >= 0) this.backend.close(this.fd);
  }

  /** `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Wait for this one object: `device.waitAny([this], options)`, with the
   * same options and outcomes (the owner defaults to the thread's id).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using ready = dev.createEvent({ manual: true, signaled: true });
   * assert.deepEqual(ready.wait({ timeout: 0 }), { status: "signaled", index: 0 });
   * ready.reset();
   * assert.deepEqual(ready.wait({ timeout: 0 }), { status: "timeout" });
   * ```
   */
  wait(options?: WaitOptions): WaitResult {
    return this.device.waitAny(this.#alone, options);
  }

  /**
   * {@linkcode SyncObject.wait} without blocking the event loop (the main
   * thread's form; `options.signal` cancels it).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using sem = dev.createSemaphore(0, 1);
   * setTimeout(() => sem.release(), 5);
   * assert.deepEqual(await sem.waitAsync(), { status: "signaled", index: 0 });
   * ```
   */
  waitAsync(options?: WaitAsyncOptions): Promise<WaitResult> {
    return this.device.waitAnyAsync(this.#alone, options);
  }

  /**
   * `[this]`, made once: a wait only reads its objects array, and this one
   * never leaves the object. Not frozen: a frozen array has elements of
   * another kind, and a wait that met both kinds reads `objects[i]` through
   * a slower path, for every caller (5 ns of a 16 ns encode).
   */
  get #alone(): readonly SyncObject[] {
    return this.#self ??= [this];
  }
}
