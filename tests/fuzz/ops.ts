/**
 * The fuzz language: one operation on the ioctl surface as plain JSON data,
 * independent of any backend's fd numbers, so a sequence can be generated,
 * shrunk, stored as a regression and replayed on any backend.
 *
 * @module
 */

/**
 * An fd operand. A number picks a handle (device or object) by creation
 * order, modulo how many exist; `{ obj: n }` picks among the object handles
 * only; `"dead"` is a number that is open nowhere, `"neg"` is -1, `"min"`
 * is -2^31. A handle
 * that was closed stays addressable: it then stands for its old (now
 * unopened) number. With no handle to pick, a ref means `"dead"`.
 */
export type FdRef =
  | number
  | { readonly obj: number }
  | "dead"
  | "neg"
  | "min";

/**
 * How the argument buffer is presented: `exact` (a Uint8Array of the
 * struct's size), `dataview`, `u32` (a Uint32Array), `long` (8 bytes
 * more), `off1`/`off3` (misaligned inside a larger buffer), `shared` (on a
 * SharedArrayBuffer), `short` (one byte too few), `empty` (zero bytes),
 * `detached` (its ArrayBuffer transferred away), `null`.
 */
export type ArgShape =
  | "exact"
  | "dataview"
  | "u32"
  | "long"
  | "off1"
  | "off3"
  | "shared"
  | "short"
  | "empty"
  | "detached"
  | "null";

/** The object requests, by the suffix of their header name. */
export type ObjRequest =
  | "SEM_RELEASE"
  | "SEM_READ"
  | "MUTEX_UNLOCK"
  | "MUTEX_KILL"
  | "MUTEX_READ"
  | "EVENT_SET"
  | "EVENT_RESET"
  | "EVENT_PULSE"
  | "EVENT_READ";

/** The kinds of object a device creates. */
export type ObjKind = "sem" | "mutex" | "event";

/**
 * Where `ntsync_wait_args.objs` points: `ok` (addressOf the array), `null`
 * (0), `bogus` (an address no backend handed out), `detached` (addressOf an
 * array whose buffer was then transferred).
 */
export type ObjsAddress = "ok" | "null" | "bogus" | "detached";

/**
 * A wait's timeout: now on the clock its flags select, 0, 1 s ago; or (only
 * in fixed catalogues, never generated, since they can block) an absolute
 * value in ns as a decimal string, or now plus some ms.
 */
export type TimeoutKind =
  | "now"
  | "zero"
  | "past"
  | { readonly ns: string }
  | { readonly plusMs: number };

/** One step of a fuzz sequence. */
export type Op =
  | { readonly t: "open" }
  | { readonly t: "close"; readonly fd: FdRef }
  | {
    readonly t: "create";
    readonly dev: FdRef;
    readonly kind: ObjKind;
    /** First struct word (count / owner / manual). */
    readonly a: number;
    /** Second struct word (max / count / signaled). */
    readonly b: number;
    readonly arg: ArgShape;
  }
  | {
    readonly t: "obj";
    readonly fd: FdRef;
    readonly req: ObjRequest;
    /** Word 0 of the buffer (amount, owner; ignored by output-only calls). */
    readonly a: number;
    /** Word 1 of the buffer (ignored input `count` of MUTEX_UNLOCK). */
    readonly b: number;
    readonly arg: ArgShape;
  }
  | {
    readonly t: "raw";
    readonly fd: FdRef;
    /** A request code the driver does not know. */
    readonly code: number;
    readonly arg: ArgShape;
  }
  | {
    readonly t: "wait";
    readonly dev: FdRef;
    readonly all: boolean;
    readonly objs: readonly FdRef[];
    /** The `count` field when it is not `objs.length`. */
    readonly count?: number;
    readonly owner: number;
    /** `null`: no alert (the field is 0). */
    readonly alert: FdRef | null;
    readonly flags: number;
    readonly pad: number;
    readonly timeout: TimeoutKind;
    /** The input value of `index` (the kernel ignores it). */
    readonly index: number;
    readonly addr: ObjsAddress;
    readonly arg: ArgShape;
  };

/** A kept counterexample: replayed on every backend on every run. */
export interface Regression {
  /** What it once caught, and which kernel function decides the right answer. */
  readonly why: string;
  /** The sequence, starting with an `open`. */
  readonly ops: readonly Op[];
}
