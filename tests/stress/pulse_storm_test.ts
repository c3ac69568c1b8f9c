/**
 * Pulse storms with mixed wait-any and wait-all waiters in 4 Workers.
 *
 * Racing: the main thread pulses an auto-reset and a manual-reset event as
 * fast as it can and feeds a ledger semaphore, while the Workers wait on
 * them in every combination. Nothing about who wakes when is fixed, but the
 * books must balance: every semaphore count released is either acquired by a
 * waiter that reports it or still there (nothing lost, nothing duplicated),
 * the auto-reset event's wakes never exceed its pulses, and the end states
 * are exact.
 *
 * Phased: before each pulse the main thread waits until all four waiters are
 * queued and every earlier wake is accounted for, so each pulse's effect is
 * exact: an auto-reset pulse wakes exactly one waiter (an all-waiter before
 * any any-waiter when both could take it), a manual-reset pulse wakes every
 * waiter that can take it, and nothing else moves.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  createEvent,
  createSem,
  Ops,
  readEvent,
  readSem,
  Waiter,
} from "../../conformance/ops.ts";
import {
  assertSettled,
  freshDevice,
  pollUntil,
  runWorkers,
  stressLoops,
} from "./_harness.ts";
import {
  type PulseWaiterDone,
  type PulseWaiterInit,
  TOTAL,
} from "./pulse_waiter_worker.ts";

const worker = new URL("./pulse_waiter_worker.ts", import.meta.url);
const SLOT = 8; // per-Worker counts start here, 4 words each
const slot = (i: number) => SLOT + 4 * i;

Deno.test("stress: racing pulse storm, mixed any/all waiters, ledgers balance", async () => {
  const PULSES = 2 * stressLoops();
  const { nt, dev } = freshDevice();
  const ops = new Ops(nt);
  const e = createEvent(nt, dev, false, false); // auto-reset, only ever pulsed
  const m = createEvent(nt, dev, true, false); // manual-reset, only ever pulsed
  const t = createSem(nt, dev, 0, 1 << 30); // ledger: released by the pulser
  const s = createSem(nt, dev, 1, 1); // taken with e by Worker 2, given back
  const stop = createEvent(nt, dev, true, false);
  const counters = new SharedArrayBuffer((SLOT + 16) * 4);
  const base = { dev, alert: stop, counters };
  const inits: PulseWaiterInit[] = [
    {
      ...base,
      token: nt.share(),
      owner: 1,
      objs: [e, m, t],
      all: false,
      slot: slot(0),
      giveBack: [],
    },
    {
      ...base,
      token: nt.share(),
      owner: 2,
      objs: [e, m, t],
      all: false,
      slot: slot(1),
      giveBack: [],
    },
    {
      ...base,
      token: nt.share(),
      owner: 3,
      objs: [e, s],
      all: true,
      slot: slot(2),
      giveBack: [s],
    },
    {
      ...base,
      token: nt.share(),
      owner: 4,
      objs: [m, t],
      all: true,
      slot: slot(3),
      giveBack: [],
    },
  ];
  let released = 0;
  const done = await runWorkers<PulseWaiterDone>(worker, inits, 20_000, () => {
    for (let i = 0; i < PULSES; i++) {
      // Only ever pulsed: neither event can be found signaled.
      if (ops.pulse(e) !== 0) throw new Error(`pulse ${i}: e was signaled`);
      if (ops.pulse(m) !== 0) throw new Error(`pulse ${i}: m was signaled`);
      if (i % 3 === 0) {
        ops.release(t, 1);
        released++;
      }
    }
    assert.equal(ops.set(stop), 0);
  });
  const [w0, w1, w2, w3] = done.map((d) => d.wakes);
  // Each Worker ended on the alert, exactly once.
  assert.deepEqual([w0[3], w1[3], w2[2], w3[2]], [1, 1, 1, 1]);
  const eWakes = w0[0] + w1[0] + w2[0];
  assert.ok(
    eWakes <= PULSES,
    `auto-reset event: ${eWakes} wakes from ${PULSES} pulses`,
  );
  const tLeft = readSem(nt, t).count;
  assert.equal(w0[2] + w1[2] + w3[0] + tLeft, released, "ledger semaphore t");
  const all = done.reduce((n, d) => n + d.wakes.reduce((a, b) => a + b, 0), 0) -
    4;
  assert.equal(Atomics.load(new Int32Array(counters), TOTAL), all);
  assert.ok(all > 0, "the storm woke nobody");
  assertSettled(nt, dev, [
    { fd: e, event: { manual: false, signaled: false } },
    { fd: m, event: { manual: true, signaled: false } },
    { fd: t, sem: { count: tLeft, max: 1 << 30 } },
    { fd: s, sem: { count: 1, max: 1 } },
    { fd: stop, event: { manual: true, signaled: true } },
  ]);
});

Deno.test("stress: phased pulse storm, each pulse wakes exactly whom it must", async () => {
  // A multiple of 4 (the round kinds): 400 for the default 10,000 loops.
  const ROUNDS = 4 * Math.ceil(stressLoops() / 100);
  const { nt, dev } = freshDevice();
  const ops = new Ops(nt);
  const e = createEvent(nt, dev, false, false);
  const m = createEvent(nt, dev, true, false);
  const s = createSem(nt, dev, 0, 2); // the all-waiters need it as well as e
  const stop = createEvent(nt, dev, true, false);
  const counters = new SharedArrayBuffer((SLOT + 16) * 4);
  const c = new Int32Array(counters);
  const base = { dev, alert: stop, counters };
  // Workers 0, 1: WAIT_ANY {e, m}; Workers 2, 3: WAIT_ALL {e, s}, giving s back.
  const inits: PulseWaiterInit[] = [0, 1, 2, 3].map((i) => ({
    ...base,
    token: nt.share(),
    owner: 10 + i,
    objs: i < 2 ? [e, m] : [e, s],
    all: i >= 2,
    slot: slot(i),
    giveBack: i < 2 ? [] : [s],
  }));
  const drain = new Waiter(nt, dev, [s]);
  // Expected tallies: any-waiters by e, any-waiters by m, all-waiters.
  const want = { anyE: 0, anyM: 0, all: 0 };
  const seen = () => ({
    anyE: c[slot(0)] + c[slot(1)],
    anyM: c[slot(0) + 1] + c[slot(1) + 1],
    all: c[slot(2)] + c[slot(3)],
  });
  const quiet = (what: string) => {
    const total = want.anyE + want.anyM + want.all;
    pollUntil(
      () => Atomics.load(c, TOTAL) >= total && nt.census().waits === 4,
      5_000,
      `${what}: all four queued again after ${total} wakes`,
    );
    assert.deepEqual(seen(), want, what);
    assert.deepEqual(
      readEvent(nt, e),
      { manual: false, signaled: false },
      what,
    );
    assert.deepEqual(readEvent(nt, m), { manual: true, signaled: false }, what);
  };

  const done = await runWorkers<PulseWaiterDone>(worker, inits, 20_000, () => {
    for (let r = 0; r < ROUNDS; r++) {
      quiet(`before round ${r}`);
      switch (r % 4) {
        case 0: // s empty: the all-waiters cannot take e; one any-waiter does
          assert.equal(ops.pulse(e), 0);
          want.anyE++;
          break;
        case 1: // manual-reset: both any-waiters, never the all-waiters
          assert.equal(ops.pulse(m), 0);
          want.anyM += 2;
          break;
        case 2: // s available: all-waiters come first, and only one gets e
          assert.equal(ops.release(s, 1), 0);
          assert.equal(ops.pulse(e), 0);
          want.all++;
          break;
        case 3: // a set, not a pulse: still exactly one acquirer, an all-waiter
          assert.equal(ops.release(s, 2), 0);
          assert.equal(ops.set(e), 0);
          want.all++;
          break;
      }
      quiet(`round ${r}`);
      // The all-waiter gave s back: drain it so the next round starts empty.
      const left = readSem(nt, s).count;
      assert.equal(left, [0, 0, 1, 2][r % 4], `round ${r}: s`);
      for (let k = 0; k < left; k++) assert.equal(drain.index(), 0);
    }
    assert.equal(ops.set(stop), 0);
  });
  const tallies = done.map((d) => d.wakes);
  assert.deepEqual(tallies.map((w) => w[2]), [1, 1, 1, 1], "one alert each");
  assert.equal(tallies[0][0] + tallies[1][0], ROUNDS / 4);
  assert.equal(tallies[0][1] + tallies[1][1], (ROUNDS / 4) * 2);
  assert.equal(tallies[2][0] + tallies[3][0], (ROUNDS / 4) * 2);
  assert.deepEqual([tallies[2][1], tallies[3][1]], [0, 0]);
  assertSettled(nt, dev, [
    { fd: e, event: { manual: false, signaled: false } },
    { fd: m, event: { manual: true, signaled: false } },
    { fd: s, sem: { count: 0, max: 2 } },
    { fd: stop, event: { manual: true, signaled: true } },
  ]);
});
