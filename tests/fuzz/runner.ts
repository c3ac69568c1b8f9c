/**
 * The lockstep runner: executes one fuzz sequence on several backends at
 * once (the first is the reference), one operation at a time, and compares
 * after each operation the return value or errno, every byte of the
 * argument buffer, and the state of every live object read back.
 *
 * Fds are mapped by creation order ("handles"), since each backend numbers
 * its fds its own way.
 *
 * @module
 */

import type { Backend } from "../../core/backend.ts";
import { NtsyncError } from "../../core/errors.ts";
import {
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_KILL,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
} from "../../uapi/ioctl.ts";
import { ModelWouldBlock } from "../model/model.ts";
import { bytesOf, makeArg, MARKER } from "./args.ts";
import type { FdRef, ObjKind, ObjRequest, Op } from "./ops.ts";

/** A backend under comparison, with a name for reports. */
export interface Subject {
  /** E.g. `"model"`, `"emulated"`, `"native"`. */
  readonly name: string;
  /** The backend; called once per sequence (a model is made fresh). */
  readonly backend: () => Backend;
}

/** What one call did, as comparable text. */
export interface Observation {
  /** `"0"`, `"fd"` (a new fd), an errno name, or `"throw:<Error name>"`. */
  readonly ret: string;
  /** The argument bytes after the call (hex), input-only ranges masked. */
  readonly out: string;
}

/** The first disagreement of a run. */
export interface Mismatch {
  /** Index of the operation in the sequence. */
  readonly step: number;
  /** The operation. */
  readonly op: Op;
  /** `result` (return/errno/bytes) or `state` (an object read back). */
  readonly what: "result" | "state";
  /** Per subject name: its observation or its state lines. */
  readonly seen: Readonly<Record<string, unknown>>;
}

/** The outcome of a run. */
export interface RunResult {
  /** Operations on which every subject agreed. */
  readonly agreed: number;
  /** What the last subject observed at each agreed step. */
  readonly trace: readonly Observation[];
  /** The first disagreement, if any. */
  readonly mismatch?: Mismatch;
}

/** Options of {@linkcode runSequence}. */
export interface RunOptions {
  /** Read back every live object after every operation (default true). */
  readonly checkState?: boolean;
}

/** Request code and struct size per object request. */
export const OBJ_REQUESTS: Readonly<
  Record<ObjRequest, readonly [code: number, size: number]>
> = {
  SEM_RELEASE: [NTSYNC_IOC_SEM_RELEASE, 4],
  SEM_READ: [NTSYNC_IOC_SEM_READ, 8],
  MUTEX_UNLOCK: [NTSYNC_IOC_MUTEX_UNLOCK, 8],
  MUTEX_KILL: [NTSYNC_IOC_MUTEX_KILL, 4],
  MUTEX_READ: [NTSYNC_IOC_MUTEX_READ, 8],
  EVENT_SET: [NTSYNC_IOC_EVENT_SET, 4],
  EVENT_RESET: [NTSYNC_IOC_EVENT_RESET, 4],
  EVENT_PULSE: [NTSYNC_IOC_EVENT_PULSE, 4],
  EVENT_READ: [NTSYNC_IOC_EVENT_READ, 8],
};

const CREATE: Readonly<Record<ObjKind, number>> = {
  sem: NTSYNC_IOC_CREATE_SEM,
  mutex: NTSYNC_IOC_CREATE_MUTEX,
  event: NTSYNC_IOC_CREATE_EVENT,
};

const READ: Readonly<Record<ObjKind, number>> = {
  sem: NTSYNC_IOC_SEM_READ,
  mutex: NTSYNC_IOC_MUTEX_READ,
  event: NTSYNC_IOC_EVENT_READ,
};

/** An address no backend hands out from addressOf. */
const BOGUS_ADDRESS = 0x10n;
/** Where "dead" fd numbers start: far above any real descriptor table. */
const DEAD_FD = 0x3fff_fff0;

interface Handle {
  readonly kind: "device" | ObjKind;
  /** This handle's fd in each subject, by subject position. */
  readonly fds: readonly number[];
  live: boolean;
}

/** What one subject's call changed in the handle table, if it agreed. */
type Effect = { readonly newFd: number } | {
  readonly closed: FdRef;
} | undefined;

interface Step {
  readonly obs: Observation;
  readonly effect: Effect;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function le(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value >>> 0, true);
}

/**
 * Wait args hold per-backend inputs (timeout, the objs address, the alert
 * fd): those bytes are compared as "unchanged" (`..`) or "changed" (`!!`),
 * every other byte by value.
 */
function maskInputs(
  before: Uint8Array,
  after: Uint8Array,
  objsUntouched: boolean,
): string {
  const variable = (i: number) => i < 16 || (i >= 32 && i < 36);
  const out = Array.from(after, (b, i) => {
    if (!variable(i)) return b.toString(16).padStart(2, "0");
    return b === before[i] ? ".." : "!!";
  }).join("");
  return objsUntouched ? out : `${out} objs-changed`;
}

/** Is `fd` open in this process (for the native backend's stale numbers)? */
function openInProcess(fd: number): boolean {
  try {
    Deno.statSync(`/proc/self/fd/${fd}`);
    return true;
  } catch {
    return false;
  }
}

/** The mutable state of one run over several subjects. */
class Lockstep {
  readonly handles: Handle[] = [];

  constructor(
    readonly names: readonly string[],
    readonly backends: readonly Backend[],
  ) {}

  /** The fds that are live in subject `s`. */
  #liveFds(s: number): Set<number> {
    return new Set(this.handles.filter((h) => h.live).map((h) => h.fds[s]));
  }

  #dead(s: number): number {
    const live = this.#liveFds(s);
    let fd = DEAD_FD;
    while (live.has(fd)) fd--;
    return fd;
  }

  /** The handle a numeric ref designates, or undefined when there is none. */
  handle(ref: FdRef): Handle | undefined {
    if (typeof ref === "string") return undefined;
    const pool = typeof ref === "number"
      ? this.handles
      : this.handles.filter((h) => h.kind !== "device");
    const n = typeof ref === "number" ? ref : ref.obj;
    return pool.length === 0 ? undefined : pool[n % pool.length];
  }

  /** The fd number a ref stands for in subject `s`. */
  fd(s: number, ref: FdRef): number {
    if (ref === "neg") return -1;
    if (ref === "min") return -0x8000_0000;
    const h = this.handle(ref);
    if (h === undefined) return this.#dead(s);
    const fd = h.fds[s];
    if (h.live) return fd;
    // A closed handle stands for its old number while nothing reuses it.
    const reused = this.#liveFds(s).has(fd) ||
      (this.backends[s].kind === "native" && openInProcess(fd));
    return reused ? this.#dead(s) : fd;
  }

  /** Run `op` on subject `s`. */
  exec(s: number, op: Op): Step {
    const nt = this.backends[s];
    switch (op.t) {
      case "open":
        return call(() => nt.open(), null, true);
      case "close": {
        const fd = this.fd(s, op.fd);
        const step = call(() => (nt.close(fd), 0), null, false);
        return step.obs.ret === "0"
          ? { obs: step.obs, effect: { closed: op.fd } }
          : step;
      }
      case "create": {
        const arg = makeArg(op.arg, 8, (v) => {
          le(v, 0, op.a);
          le(v, 4, op.b);
        });
        const fd = this.fd(s, op.dev);
        return call(() => nt.ioctl(fd, CREATE[op.kind], arg), arg, true);
      }
      case "obj": {
        const [code, size] = OBJ_REQUESTS[op.req];
        const arg = makeArg(op.arg, size, (v) => {
          le(v, 0, op.a);
          if (size === 8) le(v, 4, op.b);
        });
        const fd = this.fd(s, op.fd);
        return call(() => nt.ioctl(fd, code, arg), arg, false);
      }
      case "raw": {
        const arg = makeArg(op.arg, 8, () => {});
        const fd = this.fd(s, op.fd);
        return call(() => nt.ioctl(fd, op.code >>> 0, arg), arg, false);
      }
      case "wait":
        return this.#wait(s, op);
    }
  }

  #wait(s: number, op: Op & { t: "wait" }): Step {
    const nt = this.backends[s];
    const objs = new Int32Array(op.objs.map((ref) => this.fd(s, ref)));
    const saved = objs.slice();
    let address = 0n;
    if (op.addr === "ok" || op.addr === "detached") {
      address = nt.addressOf(objs);
      if (op.addr === "detached") objs.buffer.transfer();
    } else if (op.addr === "bogus") address = BOGUS_ADDRESS;
    const realtime = (op.flags & 1) !== 0;
    const now = () => nt.now(realtime ? "realtime" : "monotonic");
    let timeout = 0n;
    if (typeof op.timeout === "object") {
      timeout = "ns" in op.timeout
        ? BigInt(op.timeout.ns)
        : now() + BigInt(op.timeout.plusMs) * 1_000_000n;
    } else if (op.timeout !== "zero") {
      timeout = now();
      if (op.timeout === "past") timeout -= 1_000_000_000n;
    }
    const alert = op.alert === null ? 0 : this.fd(s, op.alert);
    const arg = makeArg(op.arg, 40, (v) => {
      v.setBigUint64(0, timeout < 0n ? 0n : timeout, true);
      v.setBigUint64(8, address, true);
      le(v, 16, op.count ?? op.objs.length);
      le(v, 20, op.index);
      le(v, 24, op.flags);
      le(v, 28, op.owner);
      le(v, 32, alert);
      le(v, 36, op.pad);
    });
    const before = bytesOf(arg);
    const request = op.all ? NTSYNC_IOC_WAIT_ALL : NTSYNC_IOC_WAIT_ANY;
    const dev = this.fd(s, op.dev);
    const step = call(() => nt.ioctl(dev, request, arg), arg, false);
    const objsUntouched = op.addr === "detached" ||
      hex(new Uint8Array(objs.buffer)) === hex(new Uint8Array(saved.buffer));
    return {
      obs: {
        ...step.obs,
        out: maskInputs(before, bytesOf(arg), objsUntouched),
      },
      effect: undefined,
    };
  }

  /** Every live object's state in subject `s`, one line each. */
  state(s: number): string[] {
    const nt = this.backends[s];
    const lines: string[] = [];
    this.handles.forEach((h, i) => {
      if (!h.live || h.kind === "device") return;
      const arg = new Uint8Array(8).fill(MARKER);
      const { obs } = call(
        () => nt.ioctl(h.fds[s], READ[h.kind as ObjKind], arg),
        arg,
        false,
      );
      lines.push(`#${i} ${h.kind} ${obs.ret} ${obs.out}`);
    });
    return lines;
  }

  /** Record what an agreed step changed. */
  apply(op: Op, steps: readonly Step[]): void {
    const first = steps[0].effect;
    if (first === undefined) return;
    if ("newFd" in first) {
      const kind = op.t === "create" ? op.kind : "device";
      this.handles.push({
        kind,
        fds: steps.map((st) => (st.effect as { newFd: number }).newFd),
        live: true,
      });
    } else {
      const h = this.handle(first.closed);
      if (h?.live) h.live = false;
    }
  }

  /** Close everything still open, in every subject. */
  cleanup(): void {
    for (const h of this.handles) {
      if (!h.live) continue;
      h.live = false;
      this.backends.forEach((nt, s) => {
        try {
          nt.close(h.fds[s]);
        } catch {
          // already reported as a disagreement, if it matters
        }
      });
    }
  }
}

/**
 * Run `f`; describe its result. `creates`: a non-negative return is a new
 * fd.
 */
function call(
  f: () => number,
  arg: ArrayBufferView | null,
  creates: boolean,
): Step {
  let ret: string;
  let effect: Effect;
  try {
    const value = f();
    if (creates && Number.isInteger(value) && value >= 0) {
      ret = "fd";
      effect = { newFd: value };
    } else ret = String(value);
  } catch (err) {
    if (err instanceof ModelWouldBlock) throw err;
    ret = err instanceof NtsyncError
      ? err.code
      : `throw:${err instanceof Error ? err.name : typeof err}`;
  }
  return { obs: { ret, out: hex(bytesOf(arg)) }, effect };
}

/** Run `ops` on every subject in lockstep; stop at the first disagreement. */
export function runSequence(
  subjects: readonly Subject[],
  ops: readonly Op[],
  options: RunOptions = {},
): RunResult {
  const names = subjects.map((s) => s.name);
  const run = new Lockstep(names, subjects.map((s) => s.backend()));
  const checkState = options.checkState ?? true;
  let agreed = 0;
  const trace: Observation[] = [];
  try {
    for (const [step, op] of ops.entries()) {
      const steps = subjects.map((_, s) => run.exec(s, op));
      const ref = steps[0].obs;
      if (
        steps.some((st) => st.obs.ret !== ref.ret || st.obs.out !== ref.out)
      ) {
        const seen = Object.fromEntries(
          steps.map((st, s) => [names[s], st.obs]),
        );
        return { agreed, trace, mismatch: { step, op, what: "result", seen } };
      }
      run.apply(op, steps);
      if (checkState) {
        const states = subjects.map((_, s) => run.state(s));
        const first = states[0].join("\n");
        if (states.some((st) => st.join("\n") !== first)) {
          const seen = Object.fromEntries(
            states.map((st, s) => [names[s], st]),
          );
          return { agreed, trace, mismatch: { step, op, what: "state", seen } };
        }
      }
      trace.push(steps[steps.length - 1].obs);
      agreed++;
    }
    return { agreed, trace };
  } finally {
    run.cleanup();
  }
}

/** A readable account of a mismatch, for assertion messages. */
export function describeMismatch(
  ops: readonly Op[],
  mismatch: Mismatch,
): string {
  return [
    `disagreement (${mismatch.what}) at step ${mismatch.step}: ${
      JSON.stringify(mismatch.op)
    }`,
    ...Object.entries(mismatch.seen).map(([name, v]) =>
      `  ${name}: ${JSON.stringify(v)}`
    ),
    `sequence: ${JSON.stringify(ops)}`,
  ].join("\n");
}
