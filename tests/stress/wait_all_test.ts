/**
 * stress_wait's shape for WAIT_ALL over several mutexes and semaphores.
 *
 * Mutexes A, B, C; semaphores S {1, 1} and T {2, 2}. Each Worker WAIT_ALLs
 * its set for its own owner, increments the plain counter of each object it
 * excludes others from, then unlocks and releases:
 *
 *   Worker 0: {A, T}        counters A
 *   Worker 1: {B, S, T}     counters B, S
 *   Worker 2: {C, S, T}     counters C, S
 *   Worker 3: {T, C, B, A}  counters A, B, C (another order: wait-all is
 *                           atomic, so no order can deadlock)
 *
 * Workers 1 and 2 share no mutex: only S keeps them apart. Every pair that
 * shares an object runs on both cores at once often enough for a plain
 * read-modify-write to lose an increment if the engine let both in; atomic
 * gauges count holders inside at once as a second witness.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  createEvent,
  createMutex,
  createSem,
  Ops,
} from "../../conformance/ops.ts";
import {
  assertSettled,
  freshDevice,
  runWorkers,
  stressLoops,
} from "./_harness.ts";
import type { LockerDone, LockerInit } from "./locker_worker.ts";

const worker = new URL("./locker_worker.ts", import.meta.url);
// Counter words.
const A = 0, B = 1, C = 2, S = 3;
// Gauge words (and the next word: the maximum seen).
const GAUGE_S = 4, GAUGE_T = 6;
const HOLD = 20;

Deno.test("stress: WAIT_ALL over mutexes and semaphores, 4 Workers x 10,000, plain counters exact", async () => {
  const loops = stressLoops();
  const { nt, dev } = freshDevice();
  const [a, b, c] = [
    createMutex(nt, dev),
    createMutex(nt, dev),
    createMutex(nt, dev),
  ];
  const s = createSem(nt, dev, 1, 1), t = createSem(nt, dev, 2, 2);
  const start = createEvent(nt, dev, true, false);
  const counters = new SharedArrayBuffer(8 * 4);
  const base = {
    token: nt.share(),
    dev,
    start,
    loops,
    all: true,
    counters,
    hold: HOLD,
  };
  const inits: LockerInit[] = [
    {
      ...base,
      owner: 0x2000,
      objs: [a, t],
      kinds: ["mutex", 2],
      bump: [A],
      gauges: [GAUGE_T],
    },
    {
      ...base,
      token: nt.share(),
      owner: 0x2001,
      objs: [b, s, t],
      kinds: ["mutex", 1, 2],
      bump: [B, S],
      gauges: [GAUGE_S, GAUGE_T],
    },
    {
      ...base,
      token: nt.share(),
      owner: 0x2002,
      objs: [c, s, t],
      kinds: ["mutex", 1, 2],
      bump: [C, S],
      gauges: [GAUGE_S, GAUGE_T],
    },
    {
      ...base,
      token: nt.share(),
      owner: 0x2003,
      objs: [t, c, b, a],
      kinds: [2, "mutex", "mutex", "mutex"],
      bump: [A, B, C],
      gauges: [GAUGE_T],
    },
  ];
  const done = await runWorkers<LockerDone>(worker, inits, 20_000, () => {
    assert.equal(new Ops(nt).set(start), 0);
  });
  assert.deepEqual(done.map((d) => d.loops), inits.map(() => loops));
  const w = new Int32Array(counters);
  assert.deepEqual(
    [w[A], w[B], w[C], w[S]],
    [2 * loops, 2 * loops, 2 * loops, 2 * loops],
    "plain counters A, B, C, S",
  );
  assert.deepEqual(
    [w[GAUGE_S], w[GAUGE_S + 1]],
    [0, 1],
    "S holders: now, most",
  );
  assert.equal(w[GAUGE_T], 0);
  assert.ok(
    w[GAUGE_T + 1] >= 1 && w[GAUGE_T + 1] <= 2,
    `T let ${w[GAUGE_T + 1]} in`,
  );
  assertSettled(nt, dev, [
    ...[a, b, c].map((fd) => ({
      fd,
      mutex: { owner: 0, count: 0, abandoned: false },
    })),
    { fd: s, sem: { count: 1, max: 1 } },
    { fd: t, sem: { count: 2, max: 2 } },
    { fd: start, event: { manual: true, signaled: true } },
  ]);
});
