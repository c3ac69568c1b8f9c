/// <reference lib="deno.worker" />
/**
 * A stress Worker: waits for the start event, then `loops` times acquires
 * its objects (WAIT_ANY, which must return index 0, or WAIT_ALL) for its own owner,
 * increments plain (non-atomic) counters in shared memory, and gives every
 * object back. Any wrong index or count throws, which fails the test.
 *
 * @module
 */

import { attachBackend, type ShareToken } from "../../mod.ts";
import { Ops, Waiter } from "../../conformance/ops.ts";

/** The first message to this Worker. */
export interface LockerInit {
  /** The device's share token. */
  token: ShareToken;
  /** Device fd. */
  dev: number;
  /** Manual-reset event every Worker waits on before the loop. */
  start: number;
  /** This Worker's owner id (like the kernel test's gettid()). */
  owner: number;
  /** Iterations. */
  loops: number;
  /** Objects acquired each iteration. */
  objs: number[];
  /** WAIT_ALL (true) or WAIT_ANY (false: objs[0] is the one acquired). */
  all: boolean;
  /**
   * Per object, how it is given back: "mutex" (unlocked), "event" (an
   * auto-reset event used as a lock: set, and it must have been unset),
   * "none" (only waited on, never acquired), or the semaphore's max
   * (released by 1).
   */
  kinds: ("mutex" | "event" | "none" | number)[];
  /** Shared counters (Int32Array words). */
  counters: SharedArrayBuffer;
  /** Counter words this Worker increments non-atomically while holding its objects. */
  bump: number[];
  /** Gauges: word g counts holders inside at once (atomically), word g + 1 keeps its maximum. */
  gauges: number[];
  /**
   * Shared-memory reads between reading and writing back each counter: they
   * widen the window in which a second holder would be caught.
   */
  hold: number;
  /**
   * Owner ids taken in turn, one per iteration: `owner`, `owner + 16`, ...
   * (default 1: `owner` alone). Many owners make the engine empty its owner
   * registry while the others hold and swap (core/emulated/owners.ts).
   */
  owners?: number;
}

/** What the Worker reports when done. */
export interface LockerDone {
  /** Iterations completed. */
  loops: number;
}

self.onmessage = (e: MessageEvent<LockerInit>) => {
  const init = e.data;
  const nt = attachBackend(init.token);
  const ops = new Ops(nt);
  const c = new Int32Array(init.counters);
  const start = new Waiter(nt, init.dev, [init.start], { owner: init.owner });
  const take = new Waiter(nt, init.dev, init.objs, {
    all: init.all,
    owner: init.owner,
  });
  const { bump, gauges, hold, kinds, objs } = init;
  const owners = init.owners ?? 1;
  let owner = init.owner;
  self.postMessage("ready");
  if (start.index() !== 0) throw new Error("start wait: wrong index");

  for (let i = 0; i < init.loops; i++) {
    if (owners > 1) {
      owner = init.owner + (i % owners) * 16;
      take.setOwner(owner);
    }
    const index = take.index();
    if (index !== 0) throw new Error(`loop ${i}: index ${index}, expected 0`);
    for (const g of gauges) {
      const inside = Atomics.add(c, g, 1) + 1;
      for (let seen = Atomics.load(c, g + 1); inside > seen;) {
        const was = Atomics.compareExchange(c, g + 1, seen, inside);
        if (was === seen) break;
        seen = was;
      }
    }
    // The point of the test: a plain read-modify-write, only correct if the
    // engine really excludes every other holder.
    for (let k = 0; k < bump.length; k++) {
      const v = c[bump[k]];
      for (let j = 0; j < hold; j++) Atomics.load(c, bump[k]);
      c[bump[k]] = v + 1;
    }
    for (const g of gauges) Atomics.sub(c, g, 1);
    for (let k = 0; k < objs.length; k++) {
      const kind = kinds[k];
      if (kind === "none") continue;
      if (kind === "mutex") {
        const prev = ops.unlock(objs[k], owner);
        if (prev !== 1) throw new Error(`loop ${i}: unlock saw count ${prev}`);
      } else if (kind === "event") {
        const prev = ops.set(objs[k]);
        if (prev !== 0) throw new Error(`loop ${i}: the held event was set`);
      } else {
        const prev = ops.release(objs[k], 1);
        if (prev >= kind) {
          throw new Error(`loop ${i}: sem had ${prev} of ${kind}`);
        }
      }
    }
  }
  self.postMessage({ loops: init.loops } satisfies LockerDone);
  self.close();
};
