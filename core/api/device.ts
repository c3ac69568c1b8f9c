/**
 * The device: one ntsync instance, the handle every call starts from. The
 * class is the public face; each job behind it has a file of its own:
 * checking create arguments (`device_create.ts`), adopting an fd
 * (`device_adopt.ts`), waiting (`device_wait.ts` over `wait_*.ts`), and the
 * plain data it takes and gives (`device_types.ts`).
 *
 * @module
 */

import type {
  Backend,
  BackendChoice,
  ClockName,
  ReapOptions,
} from "../backend.ts";
import { attachBackend, getBackend } from "../../select/registry.ts";
import { NtsyncError } from "../errors.ts";
import { Errno } from "../../uapi/errno.ts";
import {
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
} from "../../uapi/ioctl.ts";
import { Event } from "./event.ts";
import { Mutex } from "./mutex.ts";
import { CONSTRUCT, type ObjectKind, type SyncObject } from "./object.ts";
import { Semaphore } from "./semaphore.ts";
import { closedError, describe } from "./validate.ts";
import {
  type WaitAsyncOptions,
  type WaitOptions,
  type WaitResult,
  WaitSlot,
} from "./wait.ts";
import type { DeviceToken, EventOptions } from "./device_types.ts";
import {
  checkMutexArgs,
  checkSemaphoreArgs,
  eventArgs,
} from "./device_create.ts";
import { checkAdoptable } from "./device_adopt.ts";
import { waitAsync, waitBlocking } from "./device_wait.ts";

export type { DeviceToken, EventOptions } from "./device_types.ts";

/** Device's constructor: open a new instance (the last thing it does). */
const OPEN = -1;

/**
 * One ntsync instance: objects are created on it, and only objects of the
 * same device can be waited on together.
 *
 * Closing the device closes every object it created (and lets go of every
 * handle it adopted).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using sem = dev.createSemaphore(1, 1);
 * assert.deepEqual(dev.waitAny([sem], { timeout: 0 }), { status: "signaled", index: 0 });
 * assert.deepEqual(dev.waitAny([sem], { timeout: 0 }), { status: "timeout" });
 * ```
 */
export class Device implements Disposable {
  /** The backend every call goes through. */
  readonly backend: Backend;
  /** The device (instance) fd on that backend. */
  readonly fd: number;
  /** True when `close()` closes the device fd (false when attached from a token). */
  readonly owned: boolean;
  #closed = false;
  #live = new Set<SyncObject>();
  #create = new DataView(new ArrayBuffer(8));
  #createWords = new Uint32Array(this.#create.buffer);
  /** The slot of blocking waits (they cannot overlap in one thread). */
  readonly #sync: WaitSlot;
  /** The adoption check's guard event (see #adoptGuard), or -1. */
  #guard = -1;
  #pool: WaitSlot[] = [];

  /**
   * Use {@linkcode openDevice} or {@linkcode attachDevice}.
   *
   * @param key the construction key (internal)
   * @param backend the backend the device lives on
   * @param fd the device fd, or OPEN to open one
   * @param owned whether `close()` closes `fd`
   */
  constructor(key: symbol, backend: Backend, fd: number, owned: boolean) {
    if (key !== CONSTRUCT) {
      throw new TypeError(
        "a Device is made by openDevice() or attachDevice(token)",
      );
    }
    this.backend = backend;
    this.owned = owned;
    this.#sync = new WaitSlot(backend);
    // Opened last: once the instance exists, nothing is left that can fail
    // (a stack overflow included) and leak it.
    this.fd = fd === OPEN ? backend.open() : fd;
  }

  /** True once `close()` ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * This thread's id on the device (its backend attachment's): a nonzero
   * u32, unique for the device's lifetime, different in every Worker that
   * attached a `share()` token. Waits and `unlock`/`kill` whose owner is
   * left out use it, as Wine passes `GetCurrentThreadId()`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { attachDevice, openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using there = attachDevice(dev.share()); // in a Worker, normally
   * assert.notEqual(dev.threadId, there.threadId);
   * ```
   */
  get threadId(): number {
    return this.backend.threadId;
  }

  /**
   * A semaphore with `initial` of `max` counts.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using slots = dev.createSemaphore(3, 3); // three free slots
   * assert.deepEqual(slots.read(), { count: 3, max: 3 });
   * assert.throws(() => dev.createSemaphore(4, 3), RangeError); // initial > max
   * ```
   *
   * @throws {RangeError} when a count is not an integer in [0, 2^32-1] or
   * `initial > max`.
   */
  createSemaphore(initial: number, max: number): Semaphore {
    const op = "createSemaphore";
    this.#check(op);
    checkSemaphoreArgs(initial, max);
    return new Semaphore(
      CONSTRUCT,
      this,
      () => this.#createObject(NTSYNC_IOC_CREATE_SEM, initial, max),
      true,
      this.#live,
    );
  }

  /**
   * A mutex: unowned by default, or owned by `owner` with recursion `count`
   * (default 1).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using free = dev.createMutex();
   * using held = dev.createMutex(42); // owned by 42, count 1
   * assert.deepEqual(free.read(), { owner: 0, count: 0, abandoned: false });
   * assert.deepEqual(held.read(), { owner: 42, count: 1, abandoned: false });
   * ```
   *
   * @throws {RangeError} when `owner`/`count` is not an integer in
   * [0, 2^32-1], or exactly one of them is 0.
   */
  createMutex(owner = 0, count: number = owner === 0 ? 0 : 1): Mutex {
    const op = "createMutex";
    this.#check(op);
    checkMutexArgs(owner, count);
    return new Mutex(
      CONSTRUCT,
      this,
      () => this.#createObject(NTSYNC_IOC_CREATE_MUTEX, owner, count),
      true,
      this.#live,
    );
  }

  /**
   * An event, auto-reset and unsignaled unless `options` say otherwise.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using wake = dev.createEvent(); // auto-reset: one waiter per set()
   * using stop = dev.createEvent({ manual: true }); // stays set for everyone
   * wake.set();
   * stop.set();
   * assert.deepEqual(dev.waitAll([wake, stop], { timeout: 0 }), { status: "signaled", index: 0 });
   * assert.deepEqual(wake.read(), { manual: false, signaled: false }); // taken
   * assert.deepEqual(stop.read(), { manual: true, signaled: true }); // still set
   * ```
   *
   * @throws {TypeError} when `manual`/`signaled` is given and not a boolean,
   * or `options` names another key (a misspelt `manaul` would otherwise make
   * an auto-reset event).
   */
  createEvent(options: EventOptions = {}): Event {
    const op = "createEvent";
    this.#check(op);
    const [manual, signaled] = eventArgs(options);
    return new Event(
      CONSTRUCT,
      this,
      () => this.#createObject(NTSYNC_IOC_CREATE_EVENT, manual, signaled),
      true,
      this.#live,
    );
  }

  #createObject(request: number, a: number, b: number): number {
    const words = this.#createWords;
    words[0] = a;
    words[1] = b;
    return this.backend.ioctl(this.fd, request, this.#create);
  }

  /**
   * A borrowed handle to the semaphore `fd` of this device, typically in a
   * Worker that received the fd from the thread that created it. `close()`
   * on it does not close the fd.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { attachDevice, openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using sem = dev.createSemaphore(0, 1);
   * using there = attachDevice(dev.share()); // in a Worker, normally
   * assert.equal(there.semaphore(sem.fd).release(), 0); // the previous count
   * assert.equal(sem.read().count, 1);
   * ```
   *
   * @throws {TypeError} when `fd` is not a semaphore of this device.
   */
  semaphore(fd: number): Semaphore {
    this.#adoptCheck("semaphore", fd, NTSYNC_IOC_SEM_READ);
    return new Semaphore(CONSTRUCT, this, fd, false, this.#live);
  }

  /**
   * A borrowed handle to the mutex `fd` of this device (see
   * {@linkcode Device.semaphore}).
   *
   * @throws {TypeError} when `fd` is not a mutex of this device.
   */
  mutex(fd: number): Mutex {
    this.#adoptCheck("mutex", fd, NTSYNC_IOC_MUTEX_READ);
    return new Mutex(CONSTRUCT, this, fd, false, this.#live);
  }

  /**
   * A borrowed handle to the event `fd` of this device (see
   * {@linkcode Device.semaphore}).
   *
   * @throws {TypeError} when `fd` is not an event of this device.
   */
  event(fd: number): Event {
    this.#adoptCheck("event", fd, NTSYNC_IOC_EVENT_READ);
    return new Event(CONSTRUCT, this, fd, false, this.#live);
  }

  /** Check that `fd` is a `kind` object of this instance (device_adopt.ts). */
  #adoptCheck(kind: ObjectKind, fd: number, readRequest: number): void {
    this.#check(kind);
    checkAdoptable(
      this,
      this.#sync,
      this.#create,
      kind,
      fd,
      readRequest,
      this.#adoptGuard(),
    );
  }

  /**
   * The event the adoption check waits on beside the adopted fd: manual,
   * never signaled, made at the first adoption, closed with the device.
   */
  #adoptGuard(): number {
    if (this.#guard < 0) {
      this.#guard = this.#createObject(NTSYNC_IOC_CREATE_EVENT, 1, 0);
    }
    return this.#guard;
  }

  #check(op: string): void {
    if (this.#closed) throw closedError(op, "device");
  }

  /**
   * Wait until any one of `objects` can be acquired, and acquire it (the
   * lowest index wins when several can); blocks the thread, so use it in a
   * Worker, or with `timeout: 0` to poll.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using a = dev.createSemaphore(0, 1);
   * using b = dev.createEvent({ signaled: true });
   * assert.deepEqual(dev.waitAny([a, b], { timeout: 0 }), { status: "signaled", index: 1 });
   * assert.equal(b.read().signaled, false); // an auto-reset event is taken
   * ```
   */
  waitAny(objects: readonly SyncObject[], options?: WaitOptions): WaitResult {
    return this.#wait("waitAny", NTSYNC_IOC_WAIT_ANY, false, objects, options);
  }

  /**
   * Wait until all of `objects` can be acquired at the same moment, and
   * acquire them atomically (index 0); blocks the thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using fork1 = dev.createMutex();
   * using fork2 = dev.createMutex();
   * assert.deepEqual(dev.waitAll([fork1, fork2], { owner: 1, timeout: 0 }), {
   *   status: "signaled",
   *   index: 0,
   * });
   * assert.equal(fork1.read().owner, 1);
   * assert.equal(fork2.read().owner, 1);
   * ```
   */
  waitAll(objects: readonly SyncObject[], options?: WaitOptions): WaitResult {
    return this.#wait("waitAll", NTSYNC_IOC_WAIT_ALL, true, objects, options);
  }

  #wait(
    op: string,
    request: number,
    all: boolean,
    objects: readonly SyncObject[],
    options: WaitOptions | undefined,
  ): WaitResult {
    if (this.#closed) throw closedError(op, "device");
    return waitBlocking(this, this.#sync, op, request, all, objects, options);
  }

  /**
   * {@linkcode Device.waitAny} without blocking the event loop.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using sem = dev.createSemaphore(0, 1);
   * setTimeout(() => sem.release(), 10);
   * const r = await dev.waitAnyAsync([sem], { timeout: 1000 });
   * assert.deepEqual(r, { status: "signaled", index: 0 });
   * ```
   */
  waitAnyAsync(
    objects: readonly SyncObject[],
    options?: WaitAsyncOptions,
  ): Promise<WaitResult> {
    return this.#waitAsync(
      "waitAnyAsync",
      NTSYNC_IOC_WAIT_ANY,
      false,
      objects,
      options,
    );
  }

  /**
   * {@linkcode Device.waitAll} without blocking the event loop.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using a = dev.createEvent({ manual: true });
   * using b = dev.createSemaphore(1, 1);
   * const controller = new AbortController();
   * const pending = dev.waitAllAsync([a, b], { signal: controller.signal });
   * controller.abort(new Error("stop"));
   * await assert.rejects(pending, { message: "stop" });
   * assert.equal(b.read().count, 1); // nothing was acquired
   * ```
   */
  waitAllAsync(
    objects: readonly SyncObject[],
    options?: WaitAsyncOptions,
  ): Promise<WaitResult> {
    return this.#waitAsync(
      "waitAllAsync",
      NTSYNC_IOC_WAIT_ALL,
      true,
      objects,
      options,
    );
  }

  #waitAsync(
    op: string,
    request: number,
    all: boolean,
    objects: readonly SyncObject[],
    options: WaitAsyncOptions | undefined,
  ): Promise<WaitResult> {
    if (this.#closed) return Promise.reject(closedError(op, "device"));
    return waitAsync(this, this.#pool, op, request, all, objects, options);
  }

  /**
   * Now, in ns, on `clock` as this device's waits measure it: the base for
   * an absolute `deadline`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using sem = dev.createSemaphore(0, 1);
   * const deadline = dev.now() + 5_000_000n; // 5 ms from now
   * assert.deepEqual(dev.waitAny([sem], { deadline }), { status: "timeout" });
   * assert.ok(dev.now() >= deadline);
   * ```
   */
  now(clock: ClockName = "monotonic"): bigint {
    if (clock !== "monotonic" && clock !== "realtime") {
      throw new TypeError(
        `now: clock must be "monotonic" or "realtime", got ${describe(clock)}`,
      );
    }
    return this.backend.now(clock);
  }

  /**
   * A token to `postMessage` to a Worker, where {@linkcode attachDevice}
   * reaches this same device; send object fds along and adopt them there
   * with `device.semaphore(fd)`, `mutex(fd)` or `event(fd)`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { attachDevice, openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using sem = dev.createSemaphore(0, 1);
   * const message = { device: dev.share(), sem: sem.fd };
   * // in the Worker:
   * using there = attachDevice(message.device);
   * assert.equal(there.semaphore(message.sem).release(), 0);
   * assert.equal(sem.read().count, 1);
   * ```
   */
  share(): DeviceToken {
    this.#check("share");
    return { backend: this.backend.share(), fd: this.fd };
  }

  /**
   * Revoke the Worker that attached `token` (what {@linkcode Device.share}
   * gave it), as the kernel and Wine's server clean up after a thread that
   * died: once this returns, none of its waits is queued or acquires
   * anything, each of its pending or later calls fails with `NtsyncError`
   * ESRCH and changes nothing (a blocked wait wakes with ESRCH, never
   * `"timeout"`), and every mutex its `threadId` (or `options.owners`) owns
   * is abandoned: the next waiter gets `"abandoned"`. Works whether that
   * Worker runs, blocks, is a zombie or is gone; a second call changes
   * nothing. See {@linkcode Device.reapAndTerminate} for the safe order
   * with `worker.terminate()`, and the backend's `reap` for what the native
   * backend cannot interrupt.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { attachDevice, openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * using m = dev.createMutex();
   * const token = dev.share();
   * using there = attachDevice(token); // a Worker, normally
   * there.waitAny([there.mutex(m.fd)], { timeout: 0 }); // owned by there.threadId
   * assert.equal(m.read().owner, there.threadId);
   * dev.reap(token);
   * assert.deepEqual(m.read(), { owner: 0, count: 0, abandoned: true });
   * assert.deepEqual(dev.waitAny([m], { timeout: 0 }), { status: "abandoned", index: 0 });
   * ```
   *
   * @throws {TypeError} when `token` is not from this device's `share()`.
   * @throws {RangeError} for this device's own thread: a thread cannot
   * reap itself.
   */
  reap(token: DeviceToken, options?: ReapOptions): void {
    this.#check("reap");
    if (
      token === null || typeof token !== "object" ||
      token.backend === null || typeof token.backend !== "object" ||
      token.fd !== this.fd
    ) {
      throw new TypeError(
        `reap: token must be what this device's share() returned, got ${
          describe(token)
        }`,
      );
    }
    this.backend.reap(token.backend, options);
  }

  /**
   * Reap the Worker that attached `token`, then `worker.terminate()` it:
   * the safe order. Reaped first, nothing can be granted to the Worker
   * between the two, and whatever it still runs (Deno's `terminate()` does
   * not stop a Worker running sync code or blocked in `Atomics.wait` until
   * it returns to its event loop) gets ESRCH and changes nothing.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { openDevice } from "./device.ts";
   * using dev = openDevice("emulated");
   * const token = dev.share();
   * let terminated = false;
   * const worker = { terminate: () => void (terminated = true) }; // stands for new Worker(...) given `token`
   * dev.reapAndTerminate(worker, token);
   * assert.ok(terminated);
   * assert.throws(() => dev.reap(dev.share(), { owners: [0] }), RangeError);
   * ```
   */
  reapAndTerminate(
    worker: { terminate(): void },
    token: DeviceToken,
    options?: ReapOptions,
  ): void {
    if (worker === null || typeof worker?.terminate !== "function") {
      throw new TypeError(
        `reapAndTerminate: worker must have a terminate() method, got ${
          describe(worker)
        }`,
      );
    }
    this.reap(token, options);
    worker.terminate();
  }

  /**
   * Close every object this device created, let go of the handles it
   * adopted, and close the device fd if this thread opened it. A second
   * call does nothing. Pending waits are not disturbed.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    let failure: unknown;
    for (const object of [...this.#live]) {
      try {
        object.close();
      } catch (err) {
        failure ??= err;
      }
    }
    this.#pool.length = 0;
    if (this.#guard >= 0) {
      try {
        this.backend.close(this.#guard);
      } catch (err) {
        // A reaped attachment's close fails ESRCH and closes nothing: the
        // guard stays open like its other fds (see reap). Not the caller's
        // object, so not the caller's failure.
        if (!(err instanceof NtsyncError) || err.errno !== Errno.ESRCH) {
          failure ??= err;
        }
      }
      this.#guard = -1;
    }
    if (this.owned) this.backend.close(this.fd);
    if (failure !== undefined) throw failure;
  }

  /** `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Open a new ntsync device (instance) on `backend`: a `Backend`, or the
 * choice `getBackend` takes (default `"auto"`: the real driver when
 * `/dev/ntsync` can be used, else the emulation).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * using dev = openDevice();
 * using ev = dev.createEvent({ manual: true, signaled: true });
 * assert.equal(dev.waitAny([ev], { timeout: 0 }).status, "signaled");
 * assert.ok(dev.backend.kind === "native" || dev.backend.kind === "emulated");
 * ```
 */
export function openDevice(backend: Backend | BackendChoice = "auto"): Device {
  const nt = typeof backend === "string" ? getBackend(backend) : backend;
  if (nt === null || typeof nt !== "object" || typeof nt.open !== "function") {
    throw new TypeError(
      `openDevice: backend must be a Backend or "auto", "native" or "emulated", got ${
        describe(backend)
      }`,
    );
  }
  return new Device(CONSTRUCT, nt, OPEN, true);
}

/**
 * In a Worker, the device another thread shared with `device.share()`.
 * Closing it here does not close the device (the thread that opened it
 * does); objects created here are closed with it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attachDevice, openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using there = attachDevice(dev.share()); // normally in a Worker
 * assert.equal(there.fd, dev.fd);
 * ```
 */
export function attachDevice(token: DeviceToken): Device {
  if (
    token === null || typeof token !== "object" ||
    token.backend === null || typeof token.backend !== "object" ||
    typeof token.fd !== "number"
  ) {
    throw new TypeError(
      `attachDevice: token must be what device.share() returned, got ${
        describe(token)
      }`,
    );
  }
  return new Device(CONSTRUCT, attachBackend(token.backend), token.fd, false);
}
