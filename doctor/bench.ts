/**
 * A short benchmark of one backend, each part bounded by a time budget:
 * - uncontended: SEM_RELEASE then a polling WAIT_ANY (timeout 0) on one
 *   semaphore, the cheapest acquire/release cycle there is, with DataView
 *   arguments: the operation and argument kind `deno task bench` times. It
 *   runs in a Worker of its own (a fresh isolate, as `deno bench` gives each
 *   file, untouched by the JIT feedback of the doctor's conformance checks),
 *   several times; the median is reported, beside a CAS+store pair on shared
 *   memory measured in the same Worker, the bench's baseline;
 * - handoff: main thread and a Worker ping-pong through two auto-reset
 *   events (set A, wait B / wait A, set B), round trips per second.
 *
 * @module
 */

import type { Backend } from "../core/backend.ts";
import {
  EventArgs,
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ANY,
  SemArgs,
  WaitArgs,
} from "../uapi/mod.ts";
import type { HandoffJob, HandoffReply } from "./bench_worker.ts";
import type {
  UncontendedJob,
  UncontendedReply,
} from "./bench_uncontended_worker.ts";

/** Uncontended release + poll cycles. */
export interface UncontendedResult {
  /** Cycles done (one SEM_RELEASE plus one WAIT_ANY each). */
  readonly cycles: number;
  /** Cycles per second. */
  readonly cyclesPerSec: number;
  /** Nanoseconds per cycle (two ioctls); the median of the runs, if several. */
  readonly nsPerCycle: number;
  /** Timed runs the median is taken over (1 when run in this thread). */
  readonly runs?: number;
  /** A CAS+store pair on shared memory in the same isolate, ns (median). */
  readonly casStoreNs?: number;
}

/** Main ↔ Worker round trips through two events. */
export interface HandoffResult {
  /** Round trips done after warm-up. */
  readonly roundTrips: number;
  /** Round trips per second. */
  readonly roundTripsPerSec: number;
  /** Microseconds per round trip (two wakes). */
  readonly usPerRoundTrip: number;
}

/** One backend's benchmark; a part that failed carries `error` instead. */
export interface BenchReport {
  /** The backend measured. */
  readonly backend: string;
  /** Uncontended cycle, or why it failed. */
  readonly uncontended: UncontendedResult | { readonly error: string };
  /** Worker handoff, or why it failed. */
  readonly handoff: HandoffResult | { readonly error: string };
}

/** How long each part may run, in milliseconds. */
export interface BenchBudget {
  /** Uncontended loops, all runs together (default 200). */
  readonly uncontendedMs?: number;
  /**
   * Run the uncontended loop in a Worker of its own, several times, and
   * report the median (default true). `false` runs it once in this thread:
   * for backends that cannot be shared with a Worker.
   */
  readonly isolated?: boolean;
  /** Handoff loop after the Worker started (default 300). */
  readonly handoffMs?: number;
}

const WAIT_LIMIT_NS = 5_000_000_000n; // a lost wake fails the bench instead of hanging it

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Run `step` in growing batches (the clock read stays off the hot path)
 * until `budgetMs` has passed; a slow machine overshoots by one small batch,
 * not a large one. Returns the steps done and the milliseconds taken.
 */
export function timed(step: () => void, budgetMs: number): [number, number] {
  let steps = 0;
  let batch = 8;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let i = 0; i < batch; i++) step();
    steps += batch;
    elapsed = performance.now() - start;
    // aim for about 20 clock reads over the budget
    if (elapsed < budgetMs / 20) batch = Math.min(batch * 2, 4096);
  }
  return [steps, elapsed];
}

/** Run the uncontended cycle on `nt` for about `budgetMs`. */
export function benchUncontended(
  nt: Backend,
  budgetMs = 200,
): UncontendedResult {
  const dev = nt.open();
  try {
    const sem = nt.ioctl(
      dev,
      NTSYNC_IOC_CREATE_SEM,
      SemArgs.alloc({ count: 0, max: 1 }),
    );
    try {
      const release = new DataView(new ArrayBuffer(4));
      const objs = new Int32Array([sem]);
      const wait = WaitArgs.alloc({
        timeout: 0n,
        objs: nt.addressOf(objs),
        count: 1,
        owner: 1,
      });
      const cycle = () => {
        release.setUint32(0, 1, true);
        nt.ioctl(sem, NTSYNC_IOC_SEM_RELEASE, release);
        nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, wait);
      };
      for (let i = 0; i < 64; i++) cycle(); // warm-up: JIT, FFI trampolines
      const [cycles, elapsed] = timed(cycle, budgetMs);
      return {
        cycles,
        cyclesPerSec: Math.round(cycles / (elapsed / 1000)),
        nsPerCycle: Math.round((elapsed * 1e6) / cycles),
      };
    } finally {
      nt.close(sem);
    }
  } finally {
    nt.close(dev);
  }
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median: no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * ns per compare-and-swap + store pair on shared memory, over about
 * `budgetMs`: the least any cross-thread lock costs, and the baseline the
 * benches give every uncontended operation as a ratio to.
 */
export function casStorePairNs(budgetMs: number): number {
  const words = new Int32Array(new SharedArrayBuffer(64));
  const [steps, elapsed] = timed(() => {
    if (Atomics.compareExchange(words, 0, 0, 1) !== 0) throw new Error("held");
    Atomics.store(words, 0, 0);
  }, budgetMs);
  return (elapsed * 1e6) / steps;
}

/** Runs of the isolated uncontended bench the median is taken over. */
export const UNCONTENDED_RUNS = 5;

/**
 * The uncontended cycle on `nt`, in a Worker of its own: a warm-up run, then
 * {@linkcode UNCONTENDED_RUNS} runs sharing `budgetMs`; the median of them.
 */
export async function benchUncontendedIsolated(
  nt: Backend,
  budgetMs = 200,
): Promise<UncontendedResult> {
  const runs = UNCONTENDED_RUNS;
  const worker = new Worker(
    new URL("./bench_uncontended_worker.ts", import.meta.url).href,
    { type: "module" },
  );
  try {
    const answer = new Promise<UncontendedReply>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<UncontendedReply>) => resolve(e.data);
      worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        reject(new Error(`the Worker failed: ${e.message}`));
      };
    });
    const job: UncontendedJob = {
      token: nt.share(),
      runs,
      runMs: Math.max(budgetMs / runs, 5),
    };
    worker.postMessage(job);
    const reply = await answer;
    if (reply.kind === "error") throw new Error(reply.message);
    const nsPerCycle = Math.round(median(reply.cycleNs));
    return {
      cycles: reply.cycles,
      cyclesPerSec: Math.round(1e9 / nsPerCycle),
      nsPerCycle,
      runs,
      casStoreNs: Math.round(median(reply.casStoreNs) * 10) / 10,
    };
  } finally {
    worker.terminate();
  }
}

function replyText(r: HandoffReply): string {
  return r.kind === "error" ? r.message : `unexpected ${r.kind}`;
}

function nextMessage(worker: Worker, limitMs: number): Promise<HandoffReply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the Worker did not answer in ${limitMs} ms`)),
      limitMs,
    );
    worker.onmessage = (e: MessageEvent<HandoffReply>) => {
      clearTimeout(timer);
      resolve(e.data);
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      clearTimeout(timer);
      reject(new Error(`the Worker failed: ${e.message}`));
    };
  });
}

/** Ping-pong between this thread and a Worker on `nt` for about `budgetMs`. */
export async function benchHandoff(
  nt: Backend,
  budgetMs = 300,
): Promise<HandoffResult> {
  const dev = nt.open();
  const fds: number[] = [];
  const worker = new Worker(
    new URL("./bench_worker.ts", import.meta.url).href,
    { type: "module" },
  );
  try {
    const auto = EventArgs.alloc({ manual: 0, signaled: 0 });
    const a = nt.ioctl(dev, NTSYNC_IOC_CREATE_EVENT, auto);
    fds.push(a);
    const b = nt.ioctl(dev, NTSYNC_IOC_CREATE_EVENT, auto);
    fds.push(b);
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const job: HandoffJob = { token: nt.share(), dev, a, b, stop };
    // A hang detector, not a budget: under `deno test` a Worker's first
    // start type-checks its module graph, which took over 20 s on a busy
    // 2-core machine.
    const ready = nextMessage(worker, 60_000);
    worker.postMessage(job);
    const hello = await ready;
    if (hello.kind !== "ready") {
      throw new Error(`the Worker could not attach: ${replyText(hello)}`);
    }

    const prev = new DataView(new ArrayBuffer(4));
    const objs = new Int32Array([b]);
    const wait = WaitArgs.alloc({
      objs: nt.addressOf(objs),
      count: 1,
      owner: 1,
    });
    const trip = () => {
      nt.ioctl(a, NTSYNC_IOC_EVENT_SET, prev);
      WaitArgs.write(wait, { timeout: nt.now("monotonic") + WAIT_LIMIT_NS });
      nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, wait);
    };
    for (let i = 0; i < 16; i++) trip(); // warm-up: both threads' JIT
    const [roundTrips, elapsed] = timed(trip, budgetMs);
    const done = nextMessage(worker, 10_000);
    Atomics.store(stop, 0, 1);
    nt.ioctl(a, NTSYNC_IOC_EVENT_SET, prev); // let the Worker see the flag
    const bye = await done;
    if (bye.kind !== "done") {
      throw new Error(`the Worker failed: ${replyText(bye)}`);
    }
    return {
      roundTrips,
      roundTripsPerSec: Math.round(roundTrips / (elapsed / 1000)),
      usPerRoundTrip: Math.round((elapsed * 1000 / roundTrips) * 100) / 100,
    };
  } finally {
    worker.terminate();
    for (const fd of fds.reverse()) nt.close(fd);
    nt.close(dev);
  }
}

/** Benchmark `nt`: both parts, each failure recorded rather than thrown. */
export async function benchBackend(
  nt: Backend,
  budget: BenchBudget = {},
): Promise<BenchReport> {
  let uncontended: BenchReport["uncontended"];
  try {
    const ms = budget.uncontendedMs ?? 200;
    uncontended = budget.isolated === false
      ? benchUncontended(nt, ms)
      : await benchUncontendedIsolated(nt, ms);
  } catch (err) {
    uncontended = { error: message(err) };
  }
  let handoff: BenchReport["handoff"];
  try {
    handoff = await benchHandoff(nt, budget.handoffMs ?? 300);
  } catch (err) {
    handoff = { error: message(err) };
  }
  return { backend: nt.kind, uncontended, handoff };
}
