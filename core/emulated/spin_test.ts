import assert from "node:assert/strict";
import {
  MAX_SPIN_US,
  SECOND_SPIN_MISSES,
  SECOND_SPIN_PROBE,
  SPIN_US,
  Spinner,
} from "./spin.ts";

Deno.test("spin: a short sleep after the spin doubles the budget, up to the cap", () => {
  const s = new Spinner();
  assert.equal(s.budgetUs, SPIN_US);
  s.slept(SPIN_US / 1000 / 2);
  assert.equal(s.budgetUs, SPIN_US * 2);
  for (let i = 0; i < 10; i++) s.slept(0);
  assert.equal(s.budgetUs, MAX_SPIN_US);
});

Deno.test("spin: a long sleep or a timeout drops it back to the start", () => {
  const s = new Spinner();
  s.slept(0);
  s.slept(0);
  s.slept((MAX_SPIN_US + 1) / 1000);
  assert.equal(s.budgetUs, SPIN_US);
  s.slept(0);
  s.slept(Infinity);
  assert.equal(s.budgetUs, SPIN_US);
});

Deno.test("spin: a catch in the first half of the spin halves it, never below the start", () => {
  let nowMs = 1000;
  const s = new Spinner(() => nowMs);
  s.slept(0);
  s.slept(0);
  assert.equal(s.budgetUs, SPIN_US * 4);
  s.start();
  assert.equal(s.over(64), false, "the first check starts the clock");
  nowMs += (SPIN_US * 4) / 1000 / 2 + 0.001; // past half of it: kept
  s.caught();
  assert.equal(s.budgetUs, SPIN_US * 4);
  s.start();
  assert.equal(s.over(64), false);
  nowMs += 0.001;
  s.caught();
  assert.equal(s.budgetUs, SPIN_US * 2);
  s.slept(0);
  assert.equal(s.budgetUs, SPIN_US * 4);
  s.start();
  nowMs += 1; // a whole ms, but no check yet: caught within 64 polls
  s.caught();
  assert.equal(
    s.budgetUs,
    SPIN_US * 2,
    "a catch before any clock read is early",
  );
  for (let i = 0; i < 3; i++) {
    s.start();
    s.caught();
  }
  assert.equal(s.budgetUs, SPIN_US);
});

Deno.test("spin: over() ends a spin after its budget, reading the clock every 64 polls", () => {
  let nowMs = 1000, reads = 0;
  const s = new Spinner(() => (reads++, nowMs));
  s.start();
  assert.equal(reads, 0, "start() reads no clock");
  assert.equal(s.over(63), false);
  assert.equal(reads, 0, "no clock read between checks");
  nowMs += 1; // before the first check: not part of the budget
  assert.equal(s.over(64), false, "budget not spent yet");
  assert.equal(reads, 1);
  nowMs += SPIN_US / 1000;
  assert.equal(s.over(127), false);
  assert.equal(s.over(128), true);
});

Deno.test("spin: a deadline before the budget ends the spin there", () => {
  let nowMs = 1000;
  const s = new Spinner(() => nowMs);
  s.start(nowMs + SPIN_US / 1000 / 4);
  nowMs += SPIN_US / 1000 / 4;
  assert.equal(s.over(64), true);
});

/** A sleep longer than any spin: the hand-off did not come within one. */
const LONG_MS = (MAX_SPIN_US * 2) / 1000;

/** Miss `n` second spins in a row (each spun, caught nothing, slept long). */
function missSecondSpins(s: Spinner, n: number): void {
  for (let i = 0; i < n; i++) {
    assert.equal(s.spinsAgain(), true, `second spin ${i} still spins`);
    s.secondSpin(true, false, LONG_MS);
  }
}

/** What the next `n` calls of spinsAgain() say. */
function nextAnswers(s: Spinner, n: number): boolean[] {
  return Array.from({ length: n }, () => s.spinsAgain());
}

Deno.test("spin: a second spin that missed its last few times is skipped, but for a probe now and then", () => {
  const s = new Spinner();
  missSecondSpins(s, SECOND_SPIN_MISSES);
  const answers = nextAnswers(s, 2 * SECOND_SPIN_PROBE);
  const probe = Array(SECOND_SPIN_PROBE - 1).fill(false).concat(true);
  assert.deepEqual(answers, [...probe, ...probe]);
  // A skipped spin that slept long again changes nothing; nor does a probe
  // that missed.
  s.secondSpin(false, false, LONG_MS);
  s.secondSpin(true, false, LONG_MS);
  s.secondSpin(false, false, Infinity);
  assert.deepEqual(nextAnswers(s, SECOND_SPIN_PROBE), probe);
});

Deno.test("spin: the misses must come in a row: a catch in between starts the count again", () => {
  const s = new Spinner();
  missSecondSpins(s, SECOND_SPIN_MISSES - 1);
  s.secondSpin(true, true, 0);
  missSecondSpins(s, SECOND_SPIN_MISSES - 1);
  assert.equal(s.spinsAgain(), true);
  s.secondSpin(true, false, Infinity); // a timeout is a miss too
  assert.deepEqual(nextAnswers(s, 2), [false, false]);
});

Deno.test("spin: a probe that catches, or a sleep a spin would have covered, brings the second spin back", () => {
  const s = new Spinner();
  missSecondSpins(s, SECOND_SPIN_MISSES);
  s.secondSpin(true, true, 0); // a probe caught it
  assert.deepEqual(
    nextAnswers(s, SECOND_SPIN_PROBE),
    Array(SECOND_SPIN_PROBE).fill(true),
  );
  missSecondSpins(s, SECOND_SPIN_MISSES);
  assert.equal(s.spinsAgain(), false);
  s.secondSpin(false, false, MAX_SPIN_US / 1000); // skipped, served within a spin
  assert.deepEqual(
    nextAnswers(s, SECOND_SPIN_PROBE),
    Array(SECOND_SPIN_PROBE).fill(true),
  );
});
