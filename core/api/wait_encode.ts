/**
 * Encoding a wait: the objects and the typed options checked (a TypeError or
 * RangeError naming the argument, a misspelt option key included) and
 * written into a {@linkcode WaitSlot}'s `ntsync_wait_args`.
 *
 * @module
 */

import {
  NTSYNC_MAX_WAIT_COUNT,
  NTSYNC_WAIT_REALTIME,
} from "../../uapi/ioctl.ts";
import { HOST_LITTLE_ENDIAN as LE } from "../../uapi/struct.ts";
import { WAIT, WAIT_WORD } from "../../uapi/structs.ts";
import type { Device } from "./device.ts";
import { SyncObject } from "./object.ts";
import {
  checkDeadline,
  checkOptionNames,
  checkTimeout,
  checkU32,
  describe,
  type OptionNames,
  U32_MAX,
  U64_MAX,
} from "./validate.ts";
import type { WaitOptions } from "./wait_types.ts";
import type { WaitSlot } from "./wait_slot.ts";

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
 * import { prepareWait } from "./wait_encode.ts";
 * import { WaitSlot } from "./wait_slot.ts";
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
  // Small enough for V8 to inline into each wait, with the options'
  // encoding apart (the one call a wait with options pays).
  const count = encodeObjects(device, slot, op, objects);
  const words = slot.words;
  words[WAIT_WORD.count] = count;
  words[WAIT_WORD.index] = U32_MAX; // as Wine does: never mistaken for a result
  if (options === undefined) {
    if (!slot.plain) slot.makePlain();
    words[WAIT_WORD.timeout] = U32_MAX;
    words[WAIT_WORD.timeout + 1] = U32_MAX;
  } else encodeOptions(device, slot, op, options, blocking);
  return count;
}

/** Check `objects` and write their fds into `slot`: their count. */
function encodeObjects(
  device: Device,
  slot: WaitSlot,
  op: string,
  objects: readonly SyncObject[],
): number {
  if (!Array.isArray(objects)) throw notAnArray(op, objects);
  const count = objects.length;
  if (count > NTSYNC_MAX_WAIT_COUNT) throw tooMany(op, count);
  const objs = slot.objs;
  for (let i = 0; i < count; i++) {
    const o = objects[i];
    if (o == null || o.device !== device || o.closed) {
      throw notAnObjectAt(op, device, o, i);
    }
    objs[i] = o.fd;
  }
  return count;
}

/** Check `options` (given) and write them into `slot`. */
function encodeOptions(
  device: Device,
  slot: WaitSlot,
  op: string,
  options: WaitOptions,
  blocking: boolean,
): void {
  const words = slot.words;
  // One pass over the keys the caller set, each read by the key the loop
  // gave: V8 loads it by its index in the object's enum cache, where a
  // named load is megamorphic once the code has seen many option shapes
  // (and one of an absent key walks the prototype chain). After a warm-up
  // with ten shapes: 8 ns, against 32 for reading the five names. The
  // check that catches a misspelt key comes with it. Each option is
  // checked as it comes; flags, owner and alert are written after all
  // are, so a bad one leaves them as `slot.plain` says.
  let timeout, deadline, owner = 0, realtime = false;
  let alert: SyncObject | undefined;
  for (const key in options) {
    const value = (options as Record<string, unknown>)[key];
    switch (key) {
      case "timeout":
        timeout = value;
        break;
      case "deadline":
        deadline = value;
        break;
      case "owner":
        if (value !== undefined) {
          owner = checkU32(op, "options.owner", value, 1);
        }
        break;
      case "clock":
        if (value !== undefined && value !== "monotonic") {
          realtime = checkClock(op, value);
        }
        break;
      case "alert":
        if (value != null) alert = checkAlert(device, op, value);
        break;
      case "signal":
        if (blocking && value !== undefined) throw signalRefused(op);
        break;
      default:
        checkOptionNames(op, options, WAIT_OPTIONS); // throws, naming the key
    }
  }
  if (typeof options !== "object" || options === null) {
    throw notAnObjectOf(op, options);
  }
  // Flags, owner and alert are written only when they change (WaitSlot.plain).
  if (owner !== 0 || realtime || alert !== undefined) {
    words[WAIT_WORD.flags] = realtime ? NTSYNC_WAIT_REALTIME : 0;
    words[WAIT_WORD.owner] = owner !== 0 ? owner : slot.threadId;
    words[WAIT_WORD.alert] = alert !== undefined ? alert.fd : 0;
    slot.alert = alert;
    slot.plain = false;
  } else if (!slot.plain) slot.makePlain();
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
    // Any absolute time in the past polls: the kernel still tries to
    // acquire before it looks at the clock, so no clock read is needed.
    words[WAIT_WORD.timeout] = 0;
    words[WAIT_WORD.timeout + 1] = 0;
  } else {
    encodeTimeout(device, slot, op, timeout, realtime);
  }
}

/** `notAnObject` for `objects[index]` (apart: keeps its caller small). */
function notAnObjectAt(
  op: string,
  device: Device,
  value: unknown,
  index: number,
): TypeError {
  return notAnObject(op, device, value, `objects[${index}]`);
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

/** `options.clock`, given and not "monotonic": true if "realtime". */
function checkClock(op: string, clock: unknown): boolean {
  if (clock !== "realtime") {
    throw new TypeError(
      `${op}: options.clock must be "monotonic" or "realtime", got ${
        describe(clock)
      }`,
    );
  }
  return true;
}

/** `options.alert`, given: an open object of `device`. */
function checkAlert(device: Device, op: string, alert: unknown): SyncObject {
  const o = alert as SyncObject;
  if (o.device !== device || o.closed) {
    throw notAnObject(op, device, alert, "options.alert");
  }
  return o;
}

function signalRefused(op: string): TypeError {
  return new TypeError(
    `${op}: options.signal only applies to ${op}Async (a blocking wait cannot be aborted; use a timeout or an alert)`,
  );
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
