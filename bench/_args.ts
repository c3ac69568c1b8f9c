/**
 * SEM_RELEASE + WAIT_ANY poll with the arguments in each kind of view a
 * user passes: the same 8 and 40 bytes, as a DataView, a typed array of
 * each width, at an offset, or from the struct codecs.
 *
 * @module
 */

import type { Backend } from "../mod.ts";
import {
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ANY,
  SemArgs,
  WaitArgs,
} from "../mod.ts";
import { createSem } from "./_device.ts";

/** A way to hold `bytes` (copied) the way a user would. */
export type ArgKind = (bytes: Uint8Array) => ArrayBufferView;

/** Bytes at `offset` into a larger buffer of their own. */
function at(offset: number, bytes: Uint8Array): ArrayBuffer {
  const buffer = new ArrayBuffer(offset + bytes.length + 8);
  new Uint8Array(buffer, offset).set(bytes);
  return buffer;
}

/** The kinds, by the name the bench rows give them. */
export const KINDS: Record<string, ArgKind> = {
  DataView: (b) => new DataView(at(0, b), 0, b.length),
  Uint8Array: (b) => new Uint8Array(at(0, b), 0, b.length),
  Uint32Array: (b) => new Uint32Array(at(0, b), 0, b.length / 4),
  Int32Array: (b) => new Int32Array(at(0, b), 0, b.length / 4),
  "DataView at offset 24": (b) => new DataView(at(24, b), 24, b.length),
  "Uint32Array at offset 8": (b) => new Uint32Array(at(8, b), 8, b.length / 4),
  "Uint8Array at offset 3": (b) => new Uint8Array(at(3, b), 3, b.length),
};

/** One semaphore's release and poll arguments, in the views given. */
export interface SemOp {
  sem: number;
  release: ArrayBufferView;
  poll: ArrayBufferView;
  /** The low byte of the release's count (SEM_RELEASE writes it over). */
  count: Uint8Array;
  /** Holds the fd array the poll's args point at. */
  objs: Int32Array;
}

/**
 * A semaphore (0 of 1) in `dev` and its SEM_RELEASE-by-1 and WAIT_ANY-poll
 * arguments: in `release` and `poll` views, or the struct codecs' own
 * DataViews when the kinds are null.
 */
export function semOp(
  nt: Backend,
  dev: number,
  release: ArgKind | null,
  poll: ArgKind | null,
): SemOp {
  const sem = createSem(nt, dev, 0, 1);
  const objs = new Int32Array([sem]);
  const r = SemArgs.alloc({ count: 1 });
  const w = WaitArgs.alloc({
    timeout: 0n,
    objs: nt.addressOf(objs),
    count: 1,
    owner: 1,
  });
  const bytes = (v: DataView) =>
    new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const releaseArg = release ? release(bytes(r)) : r;
  return {
    sem,
    release: releaseArg,
    poll: poll ? poll(bytes(w)) : w,
    count: new Uint8Array(releaseArg.buffer, releaseArg.byteOffset, 1),
    objs,
  };
}

/**
 * One release and one poll with `op`'s arguments. SEM_RELEASE writes the
 * previous count over its argument: the count to add is put back first (a
 * byte, so that every kind pays the same store; little-endian hosts).
 */
export function releaseAndPollWith(
  nt: Backend,
  dev: number,
  op: SemOp,
): void {
  op.count[0] = 1;
  nt.ioctl(op.sem, NTSYNC_IOC_SEM_RELEASE, op.release);
  nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, op.poll);
}
