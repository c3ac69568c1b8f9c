/**
 * The reference model's wait queues, for threaded scenarios whose order is
 * fixed by the test: waiters that block are queued in the order they
 * started, and every state change by another thread wakes them as docs/semantics.md#the-wait-algorithm
 * says — wait-all waiters on the object first (FIFO, atomically over all
 * their objects), then the object's any-waiter entries in FIFO order, the
 * releaser acquiring on the waiter's behalf (hand-off at wake).
 *
 * It is written over the same object records and rules as the sequential
 * model (objects.ts) and does not know about fds or memory: the threaded
 * runner names objects by index.
 *
 * @module
 */

import {
  acquire,
  isSignaled,
  type ModelObject,
  selectAll,
  selectAny,
  U32_MAX,
} from "./objects.ts";

/** A wait's outcome: `"0"`, `"EOWNERDEAD"` or `"ETIMEDOUT"`, and `index`. */
export interface WaitOutcome {
  /** The result: `"0"`, `"EOWNERDEAD"` or `"ETIMEDOUT"`. */
  readonly ret: string;
  /** The index written (undefined on ETIMEDOUT: nothing is written). */
  readonly index?: number;
}

/** One waiter as the threaded scenario describes it. */
export interface WaiterSpec {
  /** WAIT_ALL when true. */
  readonly all: boolean;
  /** The objects, in `objs` order (duplicates allowed for WAIT_ANY). */
  readonly objs: readonly ModelObject[];
  /** The wait's owner. */
  readonly owner: number;
  /** The alert object, if any. */
  readonly alert?: ModelObject;
}

interface Queued {
  readonly spec: WaiterSpec;
  outcome?: WaitOutcome;
}

/** Waiters in queueing order, with the docs/semantics.md#the-wait-algorithm wake procedure. */
export class WaitQueues {
  readonly #queued: Queued[] = [];

  /**
   * A wait starts: it completes at once if it can (ntsync_wait_any(), docs/semantics.md#alerts); otherwise
   * it is queued and its outcome is decided later by {@linkcode wake}. With
   * `timesOut`, a wait that cannot complete at once ends in ETIMEDOUT before
   * anything else happens (the scenario waits for it). Returns the outcome
   * when decided now.
   */
  start(spec: WaiterSpec, timesOut: boolean): WaitOutcome | undefined {
    const entries = spec.alert ? [...spec.objs, spec.alert] : [...spec.objs];
    const chosen = spec.all
      ? selectAll(entries, spec.objs.length, spec.owner)
      : selectAny(entries, spec.owner);
    if (chosen) {
      let dead = false;
      for (const obj of chosen.acquire) dead = acquire(obj, spec.owner) || dead;
      return { ret: dead ? "EOWNERDEAD" : "0", index: chosen.index };
    }
    if (timesOut) return { ret: "ETIMEDOUT" };
    this.#queued.push({ spec });
    return undefined;
  }

  /** The outcomes of the queued waiters so far, in queueing order. */
  outcomes(): (WaitOutcome | undefined)[] {
    return this.#queued.map((q) => q.outcome);
  }

  /**
   * `obj` just had a successful SEM_RELEASE, MUTEX_UNLOCK, MUTEX_KILL,
   * EVENT_SET or EVENT_PULSE (before a pulse resets it): wake waiters.
   */
  wake(obj: ModelObject): void {
    const pending = this.#queued.filter((q) => q.outcome === undefined);
    // 1. Wait-all waiters queued on obj, FIFO, each atomically (docs/semantics.md#the-wait-algorithm, try_wake_all()).
    for (const q of pending) {
      if (!q.spec.all || !q.spec.objs.includes(obj) || q.outcome) continue;
      const objs = q.spec.objs;
      if (objs.every((o) => isSignaled(o, q.spec.owner))) {
        let dead = false;
        for (const o of objs) dead = acquire(o, q.spec.owner) || dead;
        q.outcome = { ret: dead ? "EOWNERDEAD" : "0", index: 0 };
      }
    }
    // 2. The any-waiter entries on obj, FIFO: each waiter's entries were
    // queued together in index order (objs for WAIT_ANY, then the alert).
    for (const q of pending) {
      const entries = q.spec.all
        ? [...q.spec.objs.map(() => undefined), q.spec.alert]
        : [...q.spec.objs, q.spec.alert];
      for (const [index, entry] of entries.entries()) {
        if (entry !== obj || q.outcome) continue;
        if (!this.#anyCanTake(obj, q.spec.owner)) {
          if (this.#anyStops(obj)) return;
          continue;
        }
        const dead = acquire(obj, q.spec.owner);
        q.outcome = { ret: dead ? "EOWNERDEAD" : "0", index };
      }
    }
  }

  #anyCanTake(obj: ModelObject, owner: number): boolean {
    return isSignaled(obj, owner);
  }

  /** Whether the any-walk ends here (docs/semantics.md#the-wait-algorithm) rather than skipping a waiter. */
  #anyStops(obj: ModelObject): boolean {
    switch (obj.type) {
      case "sem":
        return obj.count === 0;
      case "event":
        return !obj.signaled;
      case "mutex":
        // Only the recursion limit stops the walk; another owner is skipped.
        return obj.count === U32_MAX;
    }
  }
}
