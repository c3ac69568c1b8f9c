/**
 * What the lock-free mutex and semaphore paths (fast_mutex.ts, fast_sem.ts)
 * check of an fd without the device lock: plain reads, each a hint until the
 * path's compare-and-swap on the object's word proves nothing changed since
 * it read that word (see "Guarded by" of EVENT_STATE in layout.ts).
 *
 * Only the word itself is read with `Atomics.load`; what those paths check
 * after it (the fd, the object's fields and queues, the attachment's
 * revocation word) are plain reads. Each `Atomics.load` is a call into the
 * runtime (about 6 ns in Deno 2.9.6, a plain read under 1), and a read after
 * it still sees at least what was stored before the word it returned: the
 * compiler keeps reads after a call that has effects, and the load is a
 * load-acquire on weakly ordered CPUs (a plain load on x86). Anything a
 * locked section changed was changed while the word was pinned, and the
 * unpin is an atomic store; a reap stores the revocation word before it
 * takes the lock and pins what it changes.
 *
 * @module
 */

import { FD_OBJECT, O_INST, O_TYPE } from "./layout.ts";
import type { SharedState } from "./state.ts";

/**
 * The word offset of the object `fd` names if it is of `type`, else -1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SharedState } from "./state.ts";
 * import { DEFAULT_CAPACITIES, T_MUTEX } from "./layout.ts";
 * import { objectOfType } from "./fast_object.ts";
 * const st = SharedState.create(DEFAULT_CAPACITIES, 0);
 * assert.equal(objectOfType(st, 3, T_MUTEX), -1); // no such fd
 * ```
 */
export function objectOfType(
  st: SharedState,
  fd: number,
  type: number,
): number {
  if (st.fdKind(fd) !== FD_OBJECT) return -1;
  const at = st.objectAt(st.fdRef(fd));
  return st.u32[at + O_TYPE] === type ? at : -1;
}

/**
 * Whether `fd` names the object at `at`, of `type`, created on `instance`
 * (-1: any instance). Read after the object's word, so that the swap that
 * commits proves it still held then.
 */
export function stillNames(
  st: SharedState,
  fd: number,
  at: number,
  type: number,
  instance: number,
): boolean {
  return st.fdKind(fd) === FD_OBJECT && st.objectAt(st.fdRef(fd)) === at &&
    st.u32[at + O_TYPE] === type &&
    (instance < 0 || st.u32[at + O_INST] === instance);
}
