/**
 * fast-check generators of fuzz sequences. Values lean towards the small
 * numbers that make objects interact (owners 1 and 2, counts 0-3) and
 * towards the edges the kernel checks (0, 2^31, 2^32-1, 64, 65), with every
 * hostile shape and fd kind mixed in at a low rate.
 *
 * Waits only ever poll (timeout now, 0 or in the past), so no sequence can
 * block.
 *
 * @module
 */

import fc from "npm:fast-check@3.23.2";
import type {
  ArgShape,
  FdRef,
  ObjKind,
  ObjRequest,
  ObjsAddress,
  Op,
  TimeoutKind,
} from "./ops.ts";

/** Word values at the edges of `__u32`. */
export const EDGE_WORDS: readonly number[] = [
  0,
  1,
  2,
  64,
  65,
  0x7fff_ffff,
  0x8000_0000,
  0xffff_fffe,
  0xffff_ffff,
];

/** A `__u32`: mostly small, often an edge, sometimes anything. */
export const word: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_WORDS) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff_ffff }) },
);

/** An owner id: mostly 1 or 2 (so they collide), sometimes 0 or 2^32-1. */
export const owner: fc.Arbitrary<number> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(1, 2) },
  { weight: 1, arbitrary: fc.constantFrom(0, 123, 0xffff_ffff) },
);

/** An fd operand: any handle, or one that is open nowhere. */
export const fdRef: fc.Arbitrary<FdRef> = fc.oneof(
  { weight: 12, arbitrary: fc.nat(24) },
  { weight: 1, arbitrary: fc.constantFrom<FdRef>("dead", "neg", "min") },
);

/** An object operand: mostly an object handle, sometimes any fd operand. */
export const objRef: fc.Arbitrary<FdRef> = fc.oneof(
  { weight: 20, arbitrary: fc.record({ obj: fc.nat(24) }) },
  { weight: 1, arbitrary: fdRef },
);

/** An argument shape: mostly well-formed, the hostile ones at a low rate. */
export const argShape: fc.Arbitrary<ArgShape> = fc.oneof(
  { weight: 20, arbitrary: fc.constant<ArgShape>("exact") },
  {
    weight: 3,
    arbitrary: fc.constantFrom<ArgShape>(
      "dataview",
      "u32",
      "long",
      "off1",
      "off3",
      "shared",
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom<ArgShape>(
      "short",
      "empty",
      "detached",
      "null",
    ),
  },
);

/** A device operand: mostly the first device, sometimes anything. */
export const devRef: fc.Arbitrary<FdRef> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fdRef },
);

const objKind = fc.constantFrom<ObjKind>("sem", "mutex", "event");

const objRequest = fc.constantFrom<ObjRequest>(
  "SEM_RELEASE",
  "SEM_READ",
  "MUTEX_UNLOCK",
  "MUTEX_KILL",
  "MUTEX_READ",
  "EVENT_SET",
  "EVENT_RESET",
  "EVENT_PULSE",
  "EVENT_READ",
);

/**
 * Request codes the driver does not know: old-draft codes (docs/semantics.md#older-drafts-of-the-uapi), neighbours
 * of real ones, wrong direction or size. None is a code the VFS handles
 * itself before the driver (FIOCLEX and friends are type 'T' or 'f').
 */
export const UNKNOWN_CODES: readonly number[] = [
  0,
  0xffff_ffff,
  0xc00c_4e80, // draft CREATE_SEM
  0xc00c_4e85, // draft MUTEX_UNLOCK
  0x800c_4e8b, // draft READ_SEM
  0x4008_4e7f,
  0x8004_4e8e,
  0x0000_4e80, // CREATE_SEM without direction or size
  0x8008_4e80, // CREATE_SEM as _IOR
  0x4004_4e81, // SEM_RELEASE as _IOW
  0xc028_4e84, // a wait-sized CREATE_MUTEX
];

const timeoutKind = fc.constantFrom<TimeoutKind>("now", "zero", "past");

const objsAddress: fc.Arbitrary<ObjsAddress> = fc.oneof(
  { weight: 30, arbitrary: fc.constant<ObjsAddress>("ok") },
  {
    weight: 1,
    arbitrary: fc.constantFrom<ObjsAddress>("null", "bogus", "detached"),
  },
);

const waitOp: fc.Arbitrary<Op> = fc.record({
  t: fc.constant("wait" as const),
  dev: devRef,
  all: fc.boolean(),
  objs: fc.oneof(
    { weight: 30, arbitrary: fc.array(objRef, { maxLength: 4 }) },
    {
      weight: 1,
      arbitrary: fc.array(objRef, { minLength: 64, maxLength: 65 }),
    },
  ),
  count: fc.oneof(
    { weight: 25, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(0, 1, 6, 64, 65, 0xffff_ffff) },
  ),
  owner,
  alert: fc.oneof(
    { weight: 4, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: objRef },
  ),
  flags: fc.oneof(
    { weight: 12, arbitrary: fc.constant(0) },
    { weight: 3, arbitrary: fc.constant(1) },
    { weight: 1, arbitrary: fc.constantFrom(2, 3, 0x8000_0000) },
  ),
  pad: fc.oneof(
    { weight: 20, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.constantFrom(1, 0xffff_ffff) },
  ),
  timeout: timeoutKind,
  index: fc.oneof(
    { weight: 3, arbitrary: fc.constant(0xdead_beef) },
    { weight: 1, arbitrary: word },
  ),
  addr: objsAddress,
  arg: argShape,
});

/** One operation, weighted towards creates, object ioctls and waits. */
export const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<Op>({ t: "open" }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant("close" as const), fd: objRef }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant("create" as const),
      dev: devRef,
      kind: objKind,
      a: fc.oneof(word, owner),
      b: word,
      arg: argShape,
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      t: fc.constant("obj" as const),
      fd: objRef,
      req: objRequest,
      a: fc.oneof(word, owner),
      b: word,
      arg: argShape,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("raw" as const),
      fd: fdRef,
      code: fc.constantFrom(...UNKNOWN_CODES),
      arg: argShape,
    }),
  },
  { weight: 9, arbitrary: waitOp },
);

/** A sequence: an `open` first (so handle 0 is a device), then `maxOps` ops. */
export function sequence(maxOps = 40): fc.Arbitrary<Op[]> {
  return fc.array(op, { maxLength: maxOps, size: "max" }).map((ops) => [
    { t: "open" } as Op,
    ...ops,
  ]);
}
