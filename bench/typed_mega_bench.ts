/**
 * The typed API against the ioctl surface after a megamorphic warm-up: the
 * typed API is first used every way the README documents (each wait option
 * alone and combined, options left out, all three object kinds, waitAny and
 * waitAll, sync and async, the conveniences), as an application does, so
 * that V8 has seen many shapes at every property access; then a semaphore
 * release and poll is timed against the same through the surface.
 *
 * Goal (issue 15): the typed API at most 1.2x the surface, also after this.
 * Before the fix, 243 ns against 145 ns for the typed API used one way.
 *
 * `deno run --allow-all bench/typed_mega_bench.ts --interleaved` prints
 * medians of interleaved batches (see _interleaved.ts).
 *
 * @module
 */

import { openDevice } from "../core/api/mod.ts";
import { benchDevice, releaseAndPoll } from "./_device.ts";
import { createEvent, createSem, waitArgs } from "../conformance/ops.ts";
import {
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ANY,
  NTSYNC_WAIT_REALTIME,
} from "../mod.ts";
import { benchRows } from "./_interleaved.ts";

const { nt, dev } = benchDevice();
const surfaceOp = releaseAndPoll(nt, dev);

const typed = openDevice(benchDevice().nt);
const tsem = typed.createSemaphore(0, 1);

/** Every documented way of using the typed API, a few hundred times over. */
async function warmUp(): Promise<void> {
  const sem = typed.createSemaphore(0, 100);
  const mutex = typed.createMutex();
  const auto = typed.createEvent();
  const manual = typed.createEvent({ manual: true, signaled: false });
  const alert = typed.createEvent({ manual: true });
  const kinds = [sem, mutex, auto, manual];
  const signalAll = () => {
    sem.release(2);
    auto.set();
    manual.set();
  };
  const shapes: (() => object | undefined)[] = [
    () => undefined,
    () => ({}),
    () => ({ timeout: 0 }),
    () => ({ timeout: 0, owner: 7 }),
    () => ({ owner: 7, timeout: 0 }),
    () => ({ deadline: typed.now() }),
    () => ({ deadline: typed.now("realtime"), clock: "realtime" }),
    () => ({ timeout: 0, clock: "monotonic" }),
    () => ({ timeout: 0, alert }),
    () => ({ timeout: 0, owner: 9, clock: "realtime", alert }),
  ];
  for (let round = 0; round < 300; round++) {
    for (const shape of shapes) {
      signalAll();
      for (const o of kinds) {
        const options = shape() ?? { timeout: 0 };
        typed.waitAny([o], options);
        if (o === mutex) mutex.unlock((options as { owner?: number }).owner);
      }
      signalAll();
      typed.waitAll([sem, auto, manual], shape() ?? { timeout: 0 });
      typed.waitAll([mutex, manual], { owner: 5, timeout: 0 });
      mutex.unlock(5);
      manual.reset();
      signalAll();
      await typed.waitAnyAsync([sem], shape());
      await typed.waitAllAsync([auto, manual], {
        signal: AbortSignal.timeout(1000),
      });
      sem.acquire({ timeout: 0 });
      sem.wait({ timeout: 0 });
      await sem.acquireAsync({ timeout: 0 });
      const guard = mutex.lock({ timeout: 0 });
      guard?.[Symbol.dispose]();
      (await mutex.lockAsync())?.[Symbol.dispose]();
      manual.reset();
      auto.pulse();
      sem.read();
      mutex.read();
      auto.read();
      while (sem.acquire({ timeout: 0 }));
    }
  }
  for (const o of [...kinds, alert]) o.close();
}
await warmUp();

const tobjs = [tsem];
const tpoll = { timeout: 0 };
const talert = typed.createEvent({ manual: true });
/**
 * The documented option shapes, a different one each call (made once: a
 * closure per shape and a fresh literal each call would cost this row
 * about 50 ns of its own).
 */
const inTurn: object[] = [
  { timeout: 0 },
  { timeout: 0, owner: 7 },
  { owner: 7, timeout: 0 },
  { timeout: 0, alert: talert },
  { deadline: 0n },
  { timeout: 0, clock: "realtime" },
];
let turn = 0;
/**
 * The same six shapes through the surface: the wait args each one makes
 * (owner, alert, a realtime clock; the deadline 0 is a poll), one a call in
 * turn, so that what the shapes cost by themselves (the alert's check, a
 * branch per shape) is told from what the typed layer adds.
 */
const shapeSem = createSem(nt, dev, 0, 1);
const shapeAlert = createEvent(nt, dev, true, false);
const surfaceShapes = [
  { owner: 1 },
  { owner: 7 },
  { owner: 7 },
  { owner: 1, alert: shapeAlert },
  { owner: 1 },
  { owner: 1, flags: NTSYNC_WAIT_REALTIME },
].map((f) => waitArgs(nt, [shapeSem], { ...f, timeout: 0n }));
const one = new DataView(new Uint32Array([1, 0]).buffer);
let surfaceTurn = 0;
benchRows("typed API vs surface, after a megamorphic warm-up", [{
  name: "surface: SEM_RELEASE + WAIT_ANY poll",
  baseline: true,
  fn: surfaceOp,
}, {
  name: "typed API: sem.release() + dev.waitAny([sem], {timeout: 0})",
  fn() {
    tsem.release();
    if (typed.waitAny(tobjs, tpoll).status !== "signaled") {
      throw new Error("not signaled");
    }
  },
}, {
  name: "typed API, a fresh options literal: waitAny([sem], { timeout: 0 })",
  fn() {
    tsem.release();
    if (typed.waitAny(tobjs, { timeout: 0 }).status !== "signaled") {
      throw new Error("not signaled");
    }
  },
}, {
  name: "typed API, six option shapes in turn (owner, alert, deadline, clock)",
  fn() {
    tsem.release();
    const options = inTurn[turn++ % inTurn.length];
    if (typed.waitAny(tobjs, options).status !== "signaled") {
      throw new Error("not signaled");
    }
  },
}, {
  name: "surface, the same six shapes in turn (their wait args)",
  fn() {
    one.setUint32(0, 1, true);
    nt.ioctl(shapeSem, NTSYNC_IOC_SEM_RELEASE, one);
    const { args } = surfaceShapes[surfaceTurn++ % surfaceShapes.length];
    nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, args);
  },
}, {
  name: "typed API: sem.release() + sem.acquire({ timeout: 0 })",
  fn() {
    tsem.release();
    if (!tsem.acquire(tpoll)) throw new Error("not signaled");
  },
}]);
