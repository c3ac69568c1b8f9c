/// <reference lib="deno.worker" />
/**
 * A contending Worker: on each run, `loops` times take the shared mutex
 * (raw futex mutex, raw FIFO hand-off mutex, or the ntsync mutex through
 * WAIT_ANY / MUTEX_UNLOCK or through the typed API's `lock()` and its
 * guard's `unlock()`), bump a plain counter (and, in a run with a critical
 * section, `work` steps of arithmetic first), and let go.
 *
 * @module
 */

import {
  attachDevice,
  NTSYNC_IOC_MUTEX_UNLOCK,
  NTSYNC_IOC_WAIT_ANY,
  type ShareToken,
} from "../mod.ts";
import { FOREVER, waitArgs } from "../conformance/ops.ts";
import { FifoMutex, FutexMutex } from "./_raw.ts";
import { serveInWorker } from "./_workers.ts";

// Shared words.
/** Bumped by the main thread to start a run. */
export const K_GO = 0;
/** Each Worker adds 1 when its part of a run is done. */
export const K_DONE = 1;
/** Iterations per Worker per run. */
export const K_LOOPS = 2;
/**
 * 0: raw futex mutex; 1: ntsync mutex through the surface; 2: raw FIFO
 * hand-off mutex; 3: ntsync mutex through the typed API.
 */
export const K_KIND = 3;
/** The raw futex mutex's word. */
export const K_FUTEX = 4;
/** The plain counter the holders bump. */
export const K_COUNTER = 5;
/** Steps of arithmetic inside each critical section (0: the counter alone). */
export const K_WORK = 6;
/** Where that arithmetic's result goes (so that it is not optimized away). */
export const K_SCRATCH = 7;
/** How many Workers take part in a run (by index); the others sit it out. */
export const K_ACTIVE = 8;

/**
 * `steps` multiply-adds, each depending on the last (about a nanosecond
 * each): a critical section V8 cannot fold away.
 */
function busy(x: number, steps: number): number {
  for (let j = 0; j < steps; j++) x = (x * 31 + j) | 0;
  return x;
}
/** The raw FIFO mutex's words (FifoMutex.words()). */
export const K_FIFO = 16;
/** Words in the shared block. */
export const K_WORDS = K_FIFO + FifoMutex.words();

/** The first message to this Worker. */
export interface ContendedInit {
  /** This Worker's share token. */
  token: ShareToken;
  /** Device fd. */
  dev: number;
  /** The ntsync mutex. */
  mutex: number;
  /** Owner id of this Worker. */
  owner: number;
  /** This Worker's index (0 first): a run takes the first K_ACTIVE. */
  index: number;
  /** The shared block. */
  shared: SharedArrayBuffer;
}

self.onmessage = (e: MessageEvent<ContendedInit>) => {
  const { token, dev, mutex, owner, index, shared } = e.data;
  const device = attachDevice({ backend: token, fd: dev });
  const nt = device.backend;
  const typed = device.mutex(mutex);
  const w = new Int32Array(shared);
  const futex = new FutexMutex(w, K_FUTEX);
  const fifo = new FifoMutex(w, K_FIFO);
  const { args: wait } = waitArgs(nt, [mutex], { timeout: FOREVER, owner });
  const unlock = new DataView(new ArrayBuffer(8));
  self.postMessage("ready");
  serveInWorker(w, K_GO, K_DONE, () => {
    const loops = index < Atomics.load(w, K_ACTIVE)
      ? Atomics.load(w, K_LOOPS)
      : 0;
    const kind = Atomics.load(w, K_KIND);
    const work = Atomics.load(w, K_WORK);
    if (kind === 0) {
      for (let i = 0; i < loops; i++) {
        futex.lock();
        w[K_COUNTER]++;
        w[K_SCRATCH] = busy(w[K_SCRATCH], work);
        futex.unlock();
      }
    } else if (kind === 2) {
      for (let i = 0; i < loops; i++) {
        fifo.lock();
        w[K_COUNTER]++;
        w[K_SCRATCH] = busy(w[K_SCRATCH], work);
        fifo.unlock();
      }
    } else if (kind === 3) {
      for (let i = 0; i < loops; i++) {
        // Not `using`: a `using` scope costs V8 about 120 ns of its own
        // (bench/lock_bench.ts), more than the lock and unlock together.
        const held = typed.lock()!;
        w[K_COUNTER]++;
        w[K_SCRATCH] = busy(w[K_SCRATCH], work);
        held.unlock();
      }
    } else {
      for (let i = 0; i < loops; i++) {
        nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, wait);
        w[K_COUNTER]++;
        w[K_SCRATCH] = busy(w[K_SCRATCH], work);
        unlock.setUint32(0, owner, true);
        nt.ioctl(mutex, NTSYNC_IOC_MUTEX_UNLOCK, unlock);
      }
    }
  });
};
