/**
 * What a wait is given and what it returns: the options of the blocking and
 * async waits, and the four outcomes of {@linkcode WaitResult}.
 *
 * @module
 */

import type { ClockName } from "../backend.ts";
import type { SyncObject } from "./object.ts";

/**
 * Options of a blocking wait (`waitAny`, `waitAll`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using m = dev.createMutex();
 * using cancel = dev.createEvent({ manual: true });
 * const r = dev.waitAny([m], { owner: 1, timeout: 100, alert: cancel });
 * assert.deepEqual(r, { status: "signaled", index: 0 });
 * assert.deepEqual(m.read(), { owner: 1, count: 1, abandoned: false });
 * ```
 */
export interface WaitOptions {
  /**
   * The owner id mutexes are acquired for (an integer in [1, 2^32-1]).
   * Default: the device's `threadId` (this thread's), as Wine passes
   * `GetCurrentThreadId()`; ignored by the kernel when no mutex is waited on.
   */
  owner?: number;
  /**
   * Give up after this many milliseconds: 0 polls (acquires what is
   * available now, never sleeps), `Infinity` or leaving both `timeout` and
   * `deadline` out waits forever. Measured on `clock`.
   */
  timeout?: number;
  /**
   * Give up at this absolute time: ns on `clock` as `device.now(clock)`
   * reports it. Exclusive with `timeout`.
   */
  deadline?: bigint;
  /** The clock `timeout`/`deadline` are measured on (default `"monotonic"`). */
  clock?: ClockName;
  /**
   * An object of the same device (usually an {@linkcode Event}) that ends
   * the wait with status `"alerted"` when it is signaled and nothing else
   * can be acquired. It is acquired as its type says (an auto-reset event
   * is reset, a semaphore decremented).
   */
  alert?: SyncObject;
}

/**
 * Options of an async wait (`waitAnyAsync`, `waitAllAsync`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using sem = dev.createSemaphore(0, 1);
 * await assert.rejects(
 *   dev.waitAnyAsync([sem], { signal: AbortSignal.timeout(10) }),
 *   { name: "TimeoutError" }, // the signal's reason
 * );
 * ```
 */
export interface WaitAsyncOptions extends WaitOptions {
  /**
   * Abort the wait: the promise rejects with `signal.reason` unless the
   * wait had already acquired (an acquisition is never rolled back).
   */
  signal?: AbortSignal;
}

/**
 * The wait acquired `objects[index]` (waitAny) or all objects (waitAll, index 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using empty = dev.createSemaphore(0, 1);
 * using full = dev.createSemaphore(1, 1);
 * const r = dev.waitAny([empty, full], { timeout: 0 });
 * assert.deepEqual(r, { status: "signaled", index: 1 }); // objects[1] acquired
 * assert.equal(full.read().count, 0);
 * ```
 */
export interface WaitSignaled {
  /** `"signaled"` */
  readonly status: "signaled";
  /** Position of the acquired object; 0 for waitAll. */
  readonly index: number;
}

/**
 * As `"signaled"`, but an acquired mutex had been abandoned (its owner was
 * killed): the objects *are* acquired, and the data the mutex guards may be
 * inconsistent. For waitAll, index is 0 and any of the mutexes may be the
 * abandoned one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using m = dev.createMutex(3); // owned by thread 3
 * m.kill(3); // thread 3 died holding it
 * const r = dev.waitAny([m], { owner: 4, timeout: 0 });
 * assert.deepEqual(r, { status: "abandoned", index: 0 });
 * assert.deepEqual(m.read(), { owner: 4, count: 1, abandoned: false }); // 4 owns it now
 * ```
 */
export interface WaitAbandoned {
  /** `"abandoned"` */
  readonly status: "abandoned";
  /** Position of the acquired object; 0 for waitAll; `objects.length` for an abandoned mutex used as the alert. */
  readonly index: number;
}

/**
 * The alert object was signaled (and acquired) first; no other object was touched.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using sem = dev.createSemaphore(0, 1);
 * using stop = dev.createEvent({ signaled: true }); // auto-reset
 * const r = dev.waitAny([sem], { timeout: 0, alert: stop });
 * assert.deepEqual(r, { status: "alerted", index: 1 });
 * assert.equal(stop.read().signaled, false); // the alert was acquired (reset)
 * ```
 */
export interface WaitAlerted {
  /** `"alerted"` */
  readonly status: "alerted";
  /** Always `objects.length`, as the kernel reports it. */
  readonly index: number;
}

/**
 * The timeout passed with nothing acquired.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using sem = dev.createSemaphore(0, 1); // nothing to take
 * assert.deepEqual(dev.waitAny([sem], { timeout: 0 }), { status: "timeout" });
 * assert.deepEqual(dev.waitAny([sem], { timeout: 5 }), { status: "timeout" });
 * ```
 */
export interface WaitTimedOut {
  /** `"timeout"` */
  readonly status: "timeout";
}

/**
 * The outcome of a wait: a value, never an exception.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * import type { WaitResult } from "./wait.ts";
 * using dev = openDevice("emulated");
 * using sem = dev.createSemaphore(0, 1);
 * function describe(r: WaitResult): string {
 *   switch (r.status) {
 *     case "signaled":
 *     case "abandoned":
 *       return `${r.status} objects[${r.index}]`;
 *     case "alerted":
 *       return "alerted";
 *     case "timeout":
 *       return "timeout";
 *   }
 * }
 * assert.equal(describe(dev.waitAny([sem], { timeout: 0 })), "timeout");
 * sem.release();
 * assert.equal(describe(dev.waitAny([sem], { timeout: 0 })), "signaled objects[0]");
 * ```
 */
export type WaitResult =
  | WaitSignaled
  | WaitAbandoned
  | WaitAlerted
  | WaitTimedOut;
