/**
 * The four structs of `include/uapi/linux/ntsync.h`, byte for byte.
 *
 * Note the field order of the final uapi (the in-tree `.rst` and early drafts
 * differ): events are `{manual, signaled}`, and `wait_args` is
 * `{timeout, objs, count, index, flags, owner, alert, pad}`.
 *
 * @module
 */

import { defineStruct, type StructCodec } from "./struct.ts";
import {
  NTSYNC_EVENT_ARGS_SIZE,
  NTSYNC_MUTEX_ARGS_SIZE,
  NTSYNC_SEM_ARGS_SIZE,
  NTSYNC_WAIT_ARGS_SIZE,
} from "./ioctl.ts";

/** Field layout of `struct ntsync_sem_args`: `[offset, type]` per field. */
export type SemLayout = {
  readonly count: readonly [0, "u32"];
  readonly max: readonly [4, "u32"];
};
/** Field layout of `struct ntsync_mutex_args`. */
export type MutexLayout = {
  readonly owner: readonly [0, "u32"];
  readonly count: readonly [4, "u32"];
};
/** Field layout of `struct ntsync_event_args`. */
export type EventLayout = {
  readonly manual: readonly [0, "u32"];
  readonly signaled: readonly [4, "u32"];
};
/** Field layout of `struct ntsync_wait_args`. */
export type WaitLayout = {
  readonly timeout: readonly [0, "u64"];
  readonly objs: readonly [8, "u64"];
  readonly count: readonly [16, "u32"];
  readonly index: readonly [20, "u32"];
  readonly flags: readonly [24, "u32"];
  readonly owner: readonly [28, "u32"];
  readonly alert: readonly [32, "u32"];
  readonly pad: readonly [36, "u32"];
};

/** `struct ntsync_sem_args { __u32 count; __u32 max; }` */
export const SemArgs: StructCodec<SemLayout> = defineStruct(
  "ntsync_sem_args",
  NTSYNC_SEM_ARGS_SIZE,
  4,
  {
    count: [0, "u32"],
    max: [4, "u32"],
  },
);

/** `struct ntsync_mutex_args { __u32 owner; __u32 count; }` */
export const MutexArgs: StructCodec<MutexLayout> = defineStruct(
  "ntsync_mutex_args",
  NTSYNC_MUTEX_ARGS_SIZE,
  4,
  { owner: [0, "u32"], count: [4, "u32"] },
);

/** `struct ntsync_event_args { __u32 manual; __u32 signaled; }` */
export const EventArgs: StructCodec<EventLayout> = defineStruct(
  "ntsync_event_args",
  NTSYNC_EVENT_ARGS_SIZE,
  4,
  { manual: [0, "u32"], signaled: [4, "u32"] },
);

/**
 * `struct ntsync_wait_args { __u64 timeout; __u64 objs; __u32 count;
 * __u32 index; __u32 flags; __u32 owner; __u32 alert; __u32 pad; }`
 */
export const WaitArgs: StructCodec<WaitLayout> = defineStruct(
  "ntsync_wait_args",
  NTSYNC_WAIT_ARGS_SIZE,
  8,
  {
    timeout: [0, "u64"],
    objs: [8, "u64"],
    count: [16, "u32"],
    index: [20, "u32"],
    flags: [24, "u32"],
    owner: [28, "u32"],
    alert: [32, "u32"],
    pad: [36, "u32"],
  },
);

/** Byte offsets of `ntsync_wait_args`, for hot paths that skip the codec. */
export const WAIT: StructCodec<WaitLayout>["offsets"] = WaitArgs.offsets;

/**
 * Word indexes of `ntsync_wait_args` seen as a `Uint32Array` (host-endian,
 * as the kernel's `__u32` fields are), for hot paths that skip both the
 * codec and DataView. Each `__u64` is two words; on a little-endian host
 * (every host Deno runs on) the low one comes first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WAIT_WORD, WaitArgs } from "./structs.ts";
 * const args = WaitArgs.alloc({ count: 2, owner: 7 });
 * const words = new Uint32Array(args.buffer);
 * assert.equal(words[WAIT_WORD.count], 2);
 * assert.equal(words[WAIT_WORD.owner], 7);
 * ```
 */
export const WAIT_WORD: { readonly [K in keyof WaitLayout]: number } = Object
  .freeze({
    timeout: WAIT.timeout / 4,
    objs: WAIT.objs / 4,
    count: WAIT.count / 4,
    index: WAIT.index / 4,
    flags: WAIT.flags / 4,
    owner: WAIT.owner / 4,
    alert: WAIT.alert / 4,
    pad: WAIT.pad / 4,
  });
