/**
 * Waits: encoding `ntsync_wait_args` from the typed options, and decoding
 * the outcome into a {@linkcode WaitResult}.
 *
 * A wait reuses a {@linkcode WaitSlot}: a 40-byte argument struct and a
 * 64-entry fd array whose `addressOf` is taken once. Blocking waits share
 * one slot per device; async waits borrow one from a small pool for as long
 * as they are pending. Results for each index are preallocated and frozen,
 * so a wait that succeeds allocates nothing.
 *
 * @module
 */

import type { Backend, ClockName } from "../backend.ts";
import { NtsyncError } from "../errors.ts";
import { Errno } from "../../uapi/errno.ts";
import {
  NTSYNC_MAX_WAIT_COUNT,
  NTSYNC_WAIT_ARGS_SIZE,
  NTSYNC_WAIT_REALTIME,
  requestLabel,
} from "../../uapi/ioctl.ts";
import { HOST_LITTLE_ENDIAN } from "../../uapi/struct.ts";
import { WAIT, WAIT_WORD } from "../../uapi/structs.ts";
import type { Device } from "./device.ts";
import { SyncObject } from "./object.ts";
import {
  checkDeadline,
  checkOptionNames,
  checkTimeout,
  describe,
  type OptionNames,
  U32_MAX,
  u32Error,
  U64_MAX,
} from "./validate.ts";

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

function frozenResults<S extends "signaled" | "abandoned" | "alerted">(
  status: S,
): readonly { readonly status: S; readonly index: number }[] {
  const out = [];
  for (let index = 0; index <= NTSYNC_MAX_WAIT_COUNT; index++) {
    out.push(Object.freeze({ status, index }));
  }
  return Object.freeze(out);
}

const SIGNALED = frozenResults("signaled");
const ABANDONED = frozenResults("abandoned");
const ALERTED = frozenResults("alerted");
const TIMED_OUT: WaitTimedOut = Object.freeze({ status: "timeout" });

const LE = HOST_LITTLE_ENDIAN;
/**
 * The memory of one wait: the 40-byte `ntsync_wait_args` and a 64-entry fd
 * array whose address is already stored in `objs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getBackend } from "../../select/registry.ts";
 * import { WaitSlot } from "./wait.ts";
 * const slot = new WaitSlot(getBackend("emulated"));
 * assert.equal(slot.objs.length, 64);
 * assert.equal(slot.args.byteLength, 40);
 * ```
 */
export class WaitSlot {
  /** `ntsync_wait_args`, passed to the ioctl. */
  readonly args: DataView;
  /** The same 40 bytes as `__u32` words. */
  readonly words: Uint32Array;
  /** The fds waited on; `args.objs` points here. */
  readonly objs: Int32Array;
  /** The alert of the wait being prepared, for decoding and EINVAL diagnosis. */
  alert: SyncObject | undefined;

  /**
   * Allocate the slot and store its fd array's address in `args.objs`.
   *
   * @param backend the backend whose `addressOf` the fd array is registered with
   */
  constructor(backend: Backend) {
    const buffer = new ArrayBuffer(NTSYNC_WAIT_ARGS_SIZE);
    this.args = new DataView(buffer);
    this.words = new Uint32Array(buffer);
    this.objs = new Int32Array(NTSYNC_MAX_WAIT_COUNT);
    this.args.setBigUint64(WAIT.objs, backend.addressOf(this.objs), LE);
    this.alert = undefined;
  }
}

function aKind(o: SyncObject): string {
  return o.kind === "event" ? "an event" : `a ${o.kind}`;
}

function notAnObject(
  op: string,
  device: Device,
  value: unknown,
  where: string,
): TypeError {
  if (value instanceof SyncObject) {
    if (value.device !== device) {
      return new TypeError(
        `${op}: ${where} (${
          aKind(value)
        }, fd ${value.fd}) belongs to another device`,
      );
    }
    return new TypeError(
      `${op}: ${where} (${aKind(value)}, fd ${value.fd}) is closed`,
    );
  }
  const hint = typeof value === "number"
    ? " (pass the object, not its fd: adopt an fd with device.semaphore(fd), mutex(fd) or event(fd))"
    : "";
  return new TypeError(
    `${op}: ${where} must be a Semaphore, Mutex or Event of this device, got ${
      describe(value)
    }${hint}`,
  );
}

/**
 * The option names every wait accepts; `signal` only reaches here from the
 * async waits (the blocking ones refuse it first, with a message of its own).
 */
const WAIT_OPTIONS: OptionNames = {
  owner: true,
  timeout: true,
  deadline: true,
  clock: true,
  alert: true,
  signal: true,
};

/**
 * Validate `objects` and `options` and encode them into `slot`; returns the
 * object count. Throws `TypeError`/`RangeError` naming the bad argument.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * import { prepareWait, WaitSlot } from "./wait.ts";
 * using dev = openDevice("emulated");
 * using sem = dev.createSemaphore(1, 1);
 * const slot = new WaitSlot(dev.backend);
 * assert.equal(prepareWait(dev, slot, "waitAny", [sem], { timeout: 0 }), 1);
 * assert.equal(slot.objs[0], sem.fd);
 * assert.throws(() => prepareWait(dev, slot, "waitAny", [sem], { timout: 0 } as never), TypeError);
 * ```
 */
export function prepareWait(
  device: Device,
  slot: WaitSlot,
  op: string,
  objects: readonly SyncObject[],
  options: WaitOptions | undefined,
  blocking = false,
): number {
  // Small on purpose: V8 inlines a function of a few hundred bytecodes into
  // its caller, and with it the backend call after it; errors and the
  // options other than `timeout` go through functions of their own.
  if (!Array.isArray(objects)) throw notAnArray(op, objects);
  const count = objects.length;
  if (count > NTSYNC_MAX_WAIT_COUNT) throw tooMany(op, count);
  const objs = slot.objs;
  for (let i = 0; i < count; i++) {
    const o = objects[i];
    if (o == null || o.device !== device || o.closed) {
      throw notAnObject(op, device, o, `objects[${i}]`);
    }
    objs[i] = o.fd;
  }
  const words = slot.words;
  words[WAIT_WORD.count] = count;
  words[WAIT_WORD.index] = U32_MAX; // as Wine does: never mistaken for a result
  words[WAIT_WORD.pad] = 0;
  words[WAIT_WORD.flags] = 0;
  words[WAIT_WORD.owner] = device.threadId;
  words[WAIT_WORD.alert] = 0;
  slot.alert = undefined;
  if (options === undefined) {
    words[WAIT_WORD.timeout] = U32_MAX;
    words[WAIT_WORD.timeout + 1] = U32_MAX;
    return count;
  }
  if (options === null || typeof options !== "object") {
    throw notAnObjectOf(op, options);
  }
  // One pass over the keys the caller set, each read by the key the loop
  // gave: V8 loads it by its index in the object's enum cache, where a
  // named load is megamorphic once the code has seen many option shapes
  // (and one of an absent key walks the prototype chain). After a warm-up
  // with ten shapes: 8 ns, against 32 for reading the five names. The
  // check that catches a misspelt key comes with it.
  let timeout: unknown, others = false;
  for (const key in options) {
    switch (key) {
      case "timeout":
        timeout = (options as Record<string, unknown>)[key];
        continue;
      case "owner":
      case "deadline":
      case "clock":
      case "alert":
      case "signal":
        others = true;
        continue;
    }
    checkOptionNames(op, options, WAIT_OPTIONS); // throws, naming the key
  }
  if (others) {
    encodeOptions(device, slot, op, options, blocking);
  } else if (timeout === undefined || timeout === Infinity) {
    words[WAIT_WORD.timeout] = U32_MAX;
    words[WAIT_WORD.timeout + 1] = U32_MAX;
  } else if (timeout === 0) {
    // Any absolute time in the past polls: the kernel still tries to
    // acquire before it looks at the clock, so no clock read is needed.
    words[WAIT_WORD.timeout] = 0;
    words[WAIT_WORD.timeout + 1] = 0;
  } else {
    encodeTimeout(device, slot, op, timeout, false);
  }
  return count;
}

function notAnArray(op: string, objects: unknown): TypeError {
  return new TypeError(
    `${op}: objects must be an array of objects of this device, got ${
      describe(objects)
    }`,
  );
}

function tooMany(op: string, count: number): RangeError {
  return new RangeError(
    `${op}: objects may hold at most ${NTSYNC_MAX_WAIT_COUNT} objects, got ${count}`,
  );
}

function notAnObjectOf(op: string, options: unknown): TypeError {
  return new TypeError(
    `${op}: options must be an object, got ${describe(options)}`,
  );
}

/**
 * prepareWait's options beyond `timeout` alone (names already checked):
 * owner, alert, clock, deadline, and a `signal` a blocking wait refuses.
 */
function encodeOptions(
  device: Device,
  slot: WaitSlot,
  op: string,
  options: WaitAsyncOptions,
  blocking: boolean,
): void {
  let owner, timeout, deadline, clock, alert, signal;
  for (const key in options) {
    const value = (options as Record<string, unknown>)[key];
    switch (key) {
      case "timeout":
        timeout = value;
        continue;
      case "owner":
        owner = value;
        continue;
      case "deadline":
        deadline = value;
        continue;
      case "clock":
        clock = value;
        continue;
      case "alert":
        alert = value as SyncObject | undefined;
        continue;
      case "signal":
        signal = value;
        continue;
    }
  }
  if (blocking && signal !== undefined) {
    throw new TypeError(
      `${op}: options.signal only applies to ${op}Async (a blocking wait cannot be aborted; use a timeout or an alert)`,
    );
  }
  const words = slot.words;
  if (alert != null) {
    if (alert.device !== device || alert.closed) {
      throw notAnObject(op, device, alert, "options.alert");
    }
    words[WAIT_WORD.alert] = alert.fd;
    slot.alert = alert;
  }

  if (owner !== undefined) {
    if (typeof owner !== "number" || (owner >>> 0) !== owner || owner === 0) {
      throw u32Error(op, "options.owner", owner, 1);
    }
    words[WAIT_WORD.owner] = owner;
  }

  let realtime = false;
  if (clock !== undefined && clock !== "monotonic") {
    if (clock !== "realtime") {
      throw new TypeError(
        `${op}: options.clock must be "monotonic" or "realtime", got ${
          describe(clock)
        }`,
      );
    }
    realtime = true;
  }
  words[WAIT_WORD.flags] = realtime ? NTSYNC_WAIT_REALTIME : 0;

  if (deadline !== undefined) {
    if (timeout !== undefined) {
      throw new TypeError(
        `${op}: options.timeout and options.deadline cannot both be given`,
      );
    }
    slot.args.setBigUint64(WAIT.timeout, checkDeadline(op, deadline), LE);
  } else if (timeout === undefined || timeout === Infinity) {
    words[WAIT_WORD.timeout] = U32_MAX;
    words[WAIT_WORD.timeout + 1] = U32_MAX;
  } else if (timeout === 0) {
    words[WAIT_WORD.timeout] = 0;
    words[WAIT_WORD.timeout + 1] = 0;
  } else {
    encodeTimeout(device, slot, op, timeout, realtime);
  }
}

/** A relative timeout in ms that is neither 0 nor Infinity: now + it. */
function encodeTimeout(
  device: Device,
  slot: WaitSlot,
  op: string,
  timeout: unknown,
  realtime: boolean,
): void {
  const ms = checkTimeout(op, timeout);
  const at = device.backend.now(realtime ? "realtime" : "monotonic") +
    BigInt(Math.ceil(ms * 1e6));
  slot.args.setBigUint64(WAIT.timeout, at > U64_MAX ? U64_MAX : at, LE);
}

/**
 * The result of a wait that returned 0 (`err` undefined) or threw `err`:
 * `undefined` means "retry" (EINTR); errors that are not outcomes are
 * rethrown, an EINVAL explained when the arguments show why.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getBackend } from "../../select/registry.ts";
 * import { decodeWait, WaitSlot } from "./wait.ts";
 * const slot = new WaitSlot(getBackend("emulated"));
 * slot.words[5] = 0; // index
 * assert.deepEqual(decodeWait(slot, "waitAny", [], 1, false, undefined), {
 *   status: "signaled",
 *   index: 0,
 * });
 * ```
 */
export function decodeWait(
  slot: WaitSlot,
  op: string,
  objects: readonly SyncObject[],
  count: number,
  all: boolean,
  err: unknown,
): WaitResult | undefined {
  if (err === undefined) return acquired(slot, count, all);
  if (!(err instanceof NtsyncError)) throw err;
  const result = outcome(slot, err.errno);
  if (result !== null) return result;
  throw notAnOutcome(op, objects, slot, all, err);
}

/**
 * As {@linkcode decodeWait}, for a wait that returned `r` from
 * `Backend.tryIoctl`: 0, or the negated errno. An error that is not an
 * outcome is thrown as the `NtsyncError` `ioctl` would have thrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getBackend } from "../../select/registry.ts";
 * import { decodeWaitReturn, WaitSlot } from "./wait.ts";
 * import { NTSYNC_IOC_WAIT_ANY } from "../../uapi/ioctl.ts";
 * const slot = new WaitSlot(getBackend("emulated"));
 * const r = decodeWaitReturn(slot, "waitAny", [], 1, false, -110, NTSYNC_IOC_WAIT_ANY);
 * assert.deepEqual(r, { status: "timeout" }); // -110 is -ETIMEDOUT
 * ```
 */
export function decodeWaitReturn(
  slot: WaitSlot,
  op: string,
  objects: readonly SyncObject[],
  count: number,
  all: boolean,
  r: number,
  request: number,
): WaitResult | undefined {
  if (r >= 0) return acquired(slot, count, all);
  const result = outcome(slot, -r);
  if (result !== null) return result;
  const err = new NtsyncError(-r, requestLabel(request));
  throw notAnOutcome(op, objects, slot, all, err);
}

/** What a wait that returned 0 acquired: an object, or the alert. */
function acquired(slot: WaitSlot, count: number, all: boolean): WaitResult {
  const index = slot.words[WAIT_WORD.index];
  if (index === count && slot.alert !== undefined && !(all && count === 0)) {
    return ALERTED[index];
  }
  return SIGNALED[index];
}

/**
 * What a wait that failed with `errno` means: its result, `undefined` to
 * retry (EINTR), or null when it is an error to throw.
 */
function outcome(slot: WaitSlot, errno: number): WaitResult | undefined | null {
  switch (errno) {
    case Errno.ETIMEDOUT:
      return TIMED_OUT;
    case Errno.EOWNERDEAD:
      return ABANDONED[slot.words[WAIT_WORD.index]];
    case Errno.EINTR:
      return undefined;
    default:
      return null;
  }
}

/** The error to throw for a wait's `err`: a wait-all's EINVAL explained. */
function notAnOutcome(
  op: string,
  objects: readonly SyncObject[],
  slot: WaitSlot,
  all: boolean,
  err: NtsyncError,
): Error {
  if (all && err.errno === Errno.EINVAL) {
    return explainDuplicate(op, objects, slot.alert) ?? err;
  }
  return err;
}

/** Why a wait-all was EINVAL when its arguments passed the typed checks. */
function explainDuplicate(
  op: string,
  objects: readonly SyncObject[],
  alert: SyncObject | undefined,
): TypeError | undefined {
  for (let j = 0; j < objects.length; j++) {
    for (let i = 0; i < j; i++) {
      if (objects[i].fd === objects[j].fd) {
        return new TypeError(
          `${op}: objects[${j}] is the same object as objects[${i}] (a wait-all cannot name an object twice)`,
        );
      }
    }
    if (alert !== undefined && alert.fd === objects[j].fd) {
      return new TypeError(
        `${op}: options.alert is also objects[${j}] (a wait-all cannot name an object twice)`,
      );
    }
  }
  return undefined;
}
