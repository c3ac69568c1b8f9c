/**
 * The shared layout of the bounded-queue bench (queue_bench.ts and its
 * Workers, queue_worker.ts).
 *
 * @module
 */

import type { ShareToken } from "../mod.ts";
import { FifoMutex, FifoSemaphore } from "./_raw.ts";

/** Control words. */
export const Q = {
  /** Bumped by the main thread to start a run. */
  GO: 0,
  /** Each Worker adds 1 when its part of a run is done. */
  DONE: 1,
  /** 0: raw unfair (futex) primitives; 1: raw FIFO; 2: the engine. */
  KIND: 2,
  /** Items the producer puts per run. */
  ITEMS: 3,
  /** The ring's head and tail (guarded by the queue's mutex). */
  HEAD: 4,
  TAIL: 5,
  /** What the consumers took, summed, in two parts (no overflow). */
  SUM_LO: 6,
  SUM_HI: 7,
} as const;

/** Where everything is in the shared words, and the queue's sizes. */
export function queueLayout() {
  const capacity = 32, consumers = 2, semSlots = 16, mutexSlots = 8;
  let at = 16;
  const take = (n: number) => (at += n) - n;
  const ring = take(capacity);
  const unfairFree = take(2), unfairItems = take(2), unfairMutex = take(16);
  const fifoFree = take(FifoSemaphore.words(semSlots) + 16);
  const fifoItems = take(FifoSemaphore.words(semSlots) + 16);
  const fifoMutex = take(FifoMutex.words(mutexSlots));
  return {
    capacity,
    consumers,
    semSlots,
    mutexSlots,
    ring,
    unfairFree,
    unfairItems,
    unfairMutex,
    fifoFree,
    fifoItems,
    fifoMutex,
    words: at,
  };
}

/** The first message to a queue Worker. */
export interface QueueInit {
  role: "producer" | "consumer";
  token: ShareToken;
  dev: number;
  /** The engine's semaphores (free slots, items) and mutex. */
  free: number;
  items: number;
  mutex: number;
  owner: number;
  shared: SharedArrayBuffer;
}
