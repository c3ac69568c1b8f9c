/**
 * The main-thread side of the stress tests: Workers with a message queue
 * and a time limit, bounded polling, and the final device check (no waiter
 * records left, every object's state exact, nothing leaked after close).
 *
 * @module
 */

import assert from "node:assert/strict";
import { EmulatedBackend } from "../../core/emulated/backend.ts";
import { readEvent, readMutex, readSem } from "../../conformance/ops.ts";

/**
 * Loops per Worker: 10,000 as the kernel's stress_wait, or
 * NTSYNC_STRESS_LOOPS (for slow machines, e.g. under qemu TCG). The other
 * stress tests scale their counts from it.
 */
export function stressLoops(): number {
  const raw = Deno.env.get("NTSYNC_STRESS_LOOPS");
  if (raw === undefined || raw === "") return 10_000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(
      `NTSYNC_STRESS_LOOPS must be a positive integer, got ${raw}`,
    );
  }
  return n;
}

/**
 * How long a Worker may take to say "ready". Generous: on a cold cache Deno
 * type-checks a Worker's module as it loads it, which takes seconds on a
 * busy 2-core machine. It only bounds a hang.
 */
export const READY_MS = 60_000;

/** A fresh device of its own, so a stress test sees no other test's records. */
export function freshDevice(): { nt: EmulatedBackend; dev: number } {
  const nt = EmulatedBackend.create();
  return { nt, dev: nt.open() };
}

/** A Worker whose messages are read in order with {@linkcode Peer.next}. */
export class Peer {
  /** The Worker. */
  readonly worker: Worker;
  #queue: unknown[] = [];
  #waiting: { resolve(v: unknown): void; reject(e: unknown): void }[] = [];
  #error: unknown;

  /**
   * @param url the Worker module
   * @param init the first message posted to it
   */
  constructor(url: URL, init: unknown) {
    this.worker = new Worker(url, { type: "module" });
    this.worker.onmessage = (e: MessageEvent) => {
      const w = this.#waiting.shift();
      if (w) w.resolve(e.data);
      else this.#queue.push(e.data);
    };
    this.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault(); // a failing Worker fails the test, not the process
      this.#error = new Error(`worker ${url.pathname}: ${e.message}`);
      for (const w of this.#waiting.splice(0)) w.reject(this.#error);
    };
    this.worker.postMessage(init);
  }

  /** The next message from the Worker (rejects if it failed). */
  next<T = unknown>(): Promise<T> {
    if (this.#queue.length > 0) {
      return Promise.resolve(this.#queue.shift() as T);
    }
    if (this.#error !== undefined) return Promise.reject(this.#error);
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ resolve: resolve as (v: unknown) => void, reject });
    });
  }
}

/**
 * How much longer a hang detector waits inside the real-kernel VM
 * (NTSYNC_KERNEL_VM=1): its CPU is emulated (TCG), tens of times slower than
 * the host, and slower still when the host is busy. A limit here only tells
 * a hang from slow progress; no test asserts speed.
 */
export const HANG_LIMIT_SCALE = Deno.env.get("NTSYNC_KERNEL_VM") === "1"
  ? 6
  : 1;

/**
 * `promise`, or a rejection naming `what` after `ms` (times
 * {@linkcode HANG_LIMIT_SCALE}); the timer is always cleared.
 */
export async function withTimeout<T>(
  promise: Promise<T>,
  limitMs: number,
  what: string,
): Promise<T> {
  const ms = limitMs * HANG_LIMIT_SCALE;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Run Workers on `url`, one per init message, and collect each one's first
 * message after "ready" (its result) within `ms` of `go` (each must say
 * "ready" within READY_MS first). `go` runs once every
 * Worker said "ready". Workers are terminated in every case.
 */
export async function runWorkers<R>(
  url: URL,
  inits: unknown[],
  ms: number,
  go: () => void | Promise<void>,
): Promise<R[]> {
  const peers: Peer[] = [];
  try {
    // The first Worker alone: on a cold cache, Deno type-checks a Worker's
    // module when it loads it, and the others then find the check cached
    // instead of all repeating it at once.
    for (const init of inits) {
      peers.push(new Peer(url, init));
      if (peers.length > 1) continue;
      assert.equal(
        await withTimeout(peers[0].next(), READY_MS, "first worker ready"),
        "ready",
      );
    }
    const ready = await withTimeout(
      Promise.all(peers.slice(1).map((p) => p.next<string>())),
      READY_MS,
      "workers ready",
    );
    for (const r of ready) assert.equal(r, "ready");
    await go();
    return await withTimeout(
      Promise.all(peers.map((p) => p.next<R>())),
      ms,
      "workers done",
    );
  } finally {
    for (const p of peers) p.worker.terminate();
  }
}

const nap = new Int32Array(new SharedArrayBuffer(4));

/**
 * Block this thread until `cond()` holds, polling every ~20 us, for at most
 * `ms` (then throw, naming `what`).
 */
export function pollUntil(cond: () => boolean, ms: number, what: string): void {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting: ${what}`);
    Atomics.wait(nap, 0, 0, 0.02);
  }
}

/** What an object's state must be at the end of a test. */
export type Expected =
  | { fd: number; sem: { count: number; max: number } }
  | { fd: number; mutex: { owner: number; count: number; abandoned: boolean } }
  | { fd: number; event: { manual: boolean; signaled: boolean } };

/**
 * The end-of-test check: no wait record is left, each object's state is
 * exactly `expected`; then every fd (objects and `dev`) is closed and the
 * device must hold no object and no instance.
 */
export function assertSettled(
  nt: EmulatedBackend,
  dev: number,
  expected: Expected[],
): void {
  assert.equal(nt.census().waits, 0, "wait records left on the device");
  for (const e of expected) {
    if ("sem" in e) assert.deepEqual(readSem(nt, e.fd), e.sem, `sem ${e.fd}`);
    else if ("mutex" in e) {
      assert.deepEqual(readMutex(nt, e.fd), e.mutex, `mutex ${e.fd}`);
    } else assert.deepEqual(readEvent(nt, e.fd), e.event, `event ${e.fd}`);
  }
  for (const e of expected) nt.close(e.fd);
  nt.close(dev);
  assert.deepEqual(nt.census(), { waits: 0, objects: 0, instances: 0 });
}
