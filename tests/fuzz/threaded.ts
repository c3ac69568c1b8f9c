/**
 * Threaded scenarios: seeded schedules of Workers that block in waits while
 * the main thread releases, sets, pulses, resets, unlocks and kills, with
 * some waits timing out. The schedule fixes the order (each waiter is
 * queued before the next starts; a timing-out waiter has timed out before
 * the main thread acts), so every wait's outcome is determined by docs/semantics.md#the-wait-algorithm
 * and is compared with the queue model, as are the main thread's results
 * and the final states. At the end a shared alert event releases whoever is
 * still waiting (index = count).
 *
 * @module
 */

import fc from "npm:fast-check@3.23.2";
import type { Backend } from "../../core/backend.ts";
import {
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_SEM_READ,
} from "../../uapi/ioctl.ts";
import { ModelBackend } from "../model/model.ts";
import { WaitQueues } from "../model/queues.ts";
import { attempt } from "../_tuples.ts";
import { queuedWaits, untilQueued } from "../_blocked.ts";
import type { ObjKind, ObjRequest } from "./ops.ts";
import { OBJ_REQUESTS } from "./runner.ts";
import type { WaitRequest } from "./thread_worker.ts";

/** One object to create: kind and its two creation words. */
export interface ThreadObject {
  /** Kind. */
  readonly kind: ObjKind;
  /** First creation word. */
  readonly a: number;
  /** Second creation word. */
  readonly b: number;
}

/** One Worker's wait. */
export interface ThreadWaiter {
  /** WAIT_ALL when true. */
  readonly all: boolean;
  /** Object indices in `objs` order. */
  readonly objs: readonly number[];
  /** Owner id. */
  readonly owner: number;
  /** Times out (after a short timeout) unless it completes at once. */
  readonly short: boolean;
}

/** One main-thread operation after all waiters started. */
export interface ThreadOp {
  /** The request. */
  readonly req: ObjRequest;
  /** Object index. */
  readonly obj: number;
  /** Word 0 (amount or owner). */
  readonly a: number;
}

/** A whole scenario. */
export interface ThreadScenario {
  /** Objects, created in order on one device. */
  readonly objects: readonly ThreadObject[];
  /** Waiters, started in order, one Worker each. */
  readonly waiters: readonly ThreadWaiter[];
  /** Main-thread operations, in order. */
  readonly ops: readonly ThreadOp[];
}

/** What a scenario produced: comparable across backends and the model. */
export interface ThreadResult {
  /** Per waiter: `ret index`. */
  readonly waits: readonly string[];
  /** Per main op: `ret word`. */
  readonly ops: readonly string[];
  /** Per object: `ret word0 word1` read back at the end. */
  readonly states: readonly string[];
}

const OWNERS = [100, 101, 102];

/** One waiter in four times out. */
const short = fc.oneof(
  { weight: 3, arbitrary: fc.constant(false) },
  { weight: 1, arbitrary: fc.constant(true) },
);

/** Random scenarios: five objects, one to four waiters, up to eight ops. */
export const threadScenario: fc.Arbitrary<ThreadScenario> = fc.record({
  objects: fc.tuple(
    fc.record({
      kind: fc.constant<ObjKind>("sem"),
      a: fc.integer({ min: 0, max: 1 }),
      b: fc.integer({ min: 2, max: 4 }),
    }),
    fc.record({
      kind: fc.constant<ObjKind>("sem"),
      a: fc.constant(0),
      b: fc.integer({ min: 2, max: 4 }),
    }),
    fc.oneof(
      fc.constant<ThreadObject>({ kind: "mutex", a: 0, b: 0 }),
      fc.record({
        kind: fc.constant<ObjKind>("mutex"),
        a: fc.constantFrom(1, 100),
        b: fc.integer({ min: 1, max: 2 }),
      }),
    ),
    fc.record({
      kind: fc.constant<ObjKind>("event"),
      a: fc.constant(0),
      b: fc.integer({ min: 0, max: 1 }),
    }),
    fc.record({
      kind: fc.constant<ObjKind>("event"),
      a: fc.constant(1),
      b: fc.constant(0),
    }),
  ),
  waiters: fc.array(
    fc.oneof(
      fc.record({
        all: fc.constant(false),
        objs: fc.array(fc.nat(4), { minLength: 1, maxLength: 3 }),
        owner: fc.constantFrom(...OWNERS),
        short,
      }),
      fc.record({
        all: fc.constant(true),
        objs: fc.uniqueArray(fc.nat(4), { minLength: 1, maxLength: 3 }),
        owner: fc.constantFrom(...OWNERS),
        short,
      }),
    ),
    { minLength: 1, maxLength: 4 },
  ),
  ops: fc.array(
    fc.oneof(
      fc.record({
        req: fc.constant<ObjRequest>("SEM_RELEASE"),
        obj: fc.constantFrom(0, 1),
        a: fc.integer({ min: 1, max: 2 }),
      }),
      fc.record({
        req: fc.constantFrom<ObjRequest>("MUTEX_UNLOCK", "MUTEX_KILL"),
        obj: fc.constant(2),
        a: fc.constantFrom(1, ...OWNERS),
      }),
      fc.record({
        req: fc.constantFrom<ObjRequest>(
          "EVENT_SET",
          "EVENT_PULSE",
          "EVENT_RESET",
        ),
        obj: fc.constantFrom(3, 4),
        a: fc.constant(0),
      }),
    ),
    { maxLength: 8 },
  ),
});

const CREATE: Record<ObjKind, number> = {
  sem: NTSYNC_IOC_CREATE_SEM,
  mutex: NTSYNC_IOC_CREATE_MUTEX,
  event: NTSYNC_IOC_CREATE_EVENT,
};
const READ: Record<ObjKind, number> = {
  sem: NTSYNC_IOC_SEM_READ,
  mutex: NTSYNC_IOC_MUTEX_READ,
  event: NTSYNC_IOC_EVENT_READ,
};

interface Setup {
  readonly dev: number;
  readonly fds: number[];
  readonly shutdown: number;
}

function setUp(nt: Backend, scenario: ThreadScenario): Setup {
  const dev = nt.open();
  const fds = scenario.objects.map((o) =>
    nt.ioctl(dev, CREATE[o.kind], new Uint32Array([o.a, o.b]))
  );
  const shutdown = nt.ioctl(
    dev,
    NTSYNC_IOC_CREATE_EVENT,
    new Uint32Array([1, 0]),
  );
  return { dev, fds, shutdown };
}

function mainOp(nt: Backend, fds: readonly number[], op: ThreadOp): string {
  const [code, size] = OBJ_REQUESTS[op.req];
  const arg = new Uint32Array(size / 4).fill(0xdead_beef);
  arg[0] = op.a;
  const { ret } = attempt(() => nt.ioctl(fds[op.obj], code, arg));
  return `${ret} ${Array.from(arg).join(",")}`;
}

function finalStates(
  nt: Backend,
  scenario: ThreadScenario,
  fds: readonly number[],
): string[] {
  return scenario.objects.map((o, i) => {
    const arg = new Uint32Array(2).fill(0xcccc_cccc);
    const { ret } = attempt(() => nt.ioctl(fds[i], READ[o.kind], arg));
    return `${ret} ${arg[0]},${arg[1]}`;
  });
}

/** The outcome the kernel's semantics determine, computed by the queue model. */
export function expectedResult(scenario: ThreadScenario): ThreadResult {
  const nt = new ModelBackend();
  const queues = new WaitQueues();
  nt.onWake = (obj) => queues.wake(obj);
  const { dev, fds, shutdown } = setUp(nt, scenario);
  const object = (fd: number) => nt.objectOf(fd)!;
  const waits: (string | number)[] = [];
  scenario.waiters.forEach((w, i) => {
    const outcome = queues.start({
      all: w.all,
      objs: w.objs.map((o) => object(fds[o])),
      owner: w.owner,
      alert: object(shutdown),
    }, w.short);
    waits[i] = outcome
      ? `${outcome.ret} ${outcome.index ?? 0xdead_beef}`
      : queues.outcomes().length - 1; // its queue position, decided later
  });
  const ops = scenario.ops.map((op) => mainOp(nt, fds, op));
  nt.ioctl(shutdown, NTSYNC_IOC_EVENT_SET, new Uint32Array(1));
  const decided = queues.outcomes();
  const states = finalStates(nt, scenario, fds);
  nt.close(dev);
  return {
    waits: waits.map((w) => {
      if (typeof w === "string") return w;
      const o = decided[w];
      return o ? `${o.ret} ${o.index ?? 0xdead_beef}` : "still waiting";
    }),
    ops,
    states,
  };
}

/** Messages from one Worker, awaited in order. */
class Inbox {
  readonly #messages: { type: string; ret?: string; index?: number }[] = [];
  #wake?: () => void;

  constructor(readonly worker: Worker) {
    worker.onmessage = (e) => {
      this.#messages.push(e.data);
      this.#wake?.();
    };
    // A Worker that fails to load or throws ends every wait for it: report
    // the error instead of waiting out the timeout.
    worker.onerror = (e) => {
      e.preventDefault();
      this.#messages.push({ type: "error", ret: String(e.message) });
      this.#failed = String(e.message);
      this.#wake?.();
    };
  }

  #failed?: string;

  /** Whether a message of `type` has arrived (and is not yet taken). */
  has(type: string): boolean {
    return this.#messages.some((m) => m.type === type);
  }

  /** The next message of `type`, or `undefined` after `ms`. */
  async next(
    type: string,
    ms: number,
  ): Promise<{ ret?: string; index?: number } | undefined> {
    const deadline = performance.now() + ms;
    for (;;) {
      if (this.#failed) throw new Error(`Worker failed: ${this.#failed}`);
      const i = this.#messages.findIndex((m) => m.type === type);
      if (i >= 0) return this.#messages.splice(i, 1)[0];
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
      this.#wake = undefined;
    }
  }
}

/** Timing of a threaded run. */
export interface ThreadTiming {
  /**
   * The base of the long timeouts (a long waiter's is 20 times this plus
   * 10 s); where the queue cannot be seen, the pause that stands in for
   * seeing a waiter queued is tests/_blocked.ts's.
   */
  readonly settleMs: number;
  /** The timeout of a `short` waiter. */
  readonly shortMs: number;
}

/** The default timing, or NTSYNC_FUZZ_SETTLE_MS (slower machines, TCG). */
export function defaultTiming(): ThreadTiming {
  const settle = Number(Deno.env.get("NTSYNC_FUZZ_SETTLE_MS") ?? "");
  const settleMs = Number.isFinite(settle) && settle > 0 ? settle : 60;
  return { settleMs, shortMs: settleMs };
}

/** Workers reused across scenarios (each starts slowly: it loads modules). */
export class WorkerPool {
  private constructor(readonly inboxes: Inbox[]) {}

  /**
   * Start `size` Workers one after the other (each type-checks and loads
   * its modules; in parallel under TCG that takes minutes) and wait until
   * each is ready. A Worker that fails to load rejects at once.
   */
  static async create(size: number, readyMs = 300_000): Promise<WorkerPool> {
    const url = new URL("./thread_worker.ts", import.meta.url);
    const inboxes: Inbox[] = [];
    const pool = new WorkerPool(inboxes);
    try {
      for (let i = 0; i < size; i++) {
        const inbox = new Inbox(new Worker(url, { type: "module" }));
        inboxes.push(inbox);
        if (!await inbox.next("ready", readyMs)) {
          throw new Error(`a Worker was not ready within ${readyMs} ms`);
        }
      }
    } catch (err) {
      pool.terminate();
      throw err;
    }
    return pool;
  }

  /** Stop every Worker. */
  terminate(): void {
    for (const inbox of this.inboxes) inbox.worker.terminate();
  }
}

/** The most waiters a scenario has (the pool size). */
export const MAX_WAITERS = 4;

/**
 * Run `scenario` on `nt`, one pool Worker per waiter. Throws when a waiter
 * never reports (the pool is then unusable: terminate it).
 */
export async function runThreaded(
  nt: Backend,
  scenario: ThreadScenario,
  pool: WorkerPool,
  timing: ThreadTiming = defaultTiming(),
): Promise<ThreadResult> {
  const { dev, fds, shutdown } = setUp(nt, scenario);
  const inboxes = pool.inboxes;
  const waits: string[] = [];
  const long = timing.settleMs * 20 + 10_000;
  try {
    const token = nt.share();
    for (const [i, w] of scenario.waiters.entries()) {
      const request: WaitRequest = {
        token,
        dev,
        objs: w.objs.map((o) => fds[o]),
        all: w.all,
        owner: w.owner,
        alert: shutdown,
        timeoutMs: w.short ? timing.shortMs : long,
      };
      const before = queuedWaits(nt);
      inboxes[i].worker.postMessage(request);
      if (!await inboxes[i].next("started", long)) {
        throw new Error("worker did not start");
      }
      // A short waiter must be over before anything else happens; a long one
      // must be queued (or over, if it acquired at once) before the next one
      // starts, as the model queues them in order.
      if (!w.short) {
        await untilQueued(nt, before, {
          unless: () => inboxes[i].has("done"),
          ms: long,
        });
      }
      await inboxes[i].next("done", w.short ? long : 0)
        .then((m) => m && (waits[i] = `${m.ret} ${m.index}`));
    }
    const ops = scenario.ops.map((op) => mainOp(nt, fds, op));
    nt.ioctl(shutdown, NTSYNC_IOC_EVENT_SET, new Uint32Array(1));
    for (const i of scenario.waiters.keys()) {
      if (waits[i] !== undefined) continue;
      const m = await inboxes[i].next("done", long);
      if (!m) throw new Error(`waiter ${i} never returned`);
      waits[i] = `${m.ret} ${m.index}`;
    }
    return { waits, ops, states: finalStates(nt, scenario, fds) };
  } finally {
    for (const fd of [...fds, shutdown, dev]) {
      try {
        nt.close(fd);
      } catch {
        // already closed
      }
    }
  }
}
