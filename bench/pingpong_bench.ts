/**
 * Ping-pong through two auto-reset events, between two Workers and between
 * the main thread and a Worker, against the same ping-pong on raw
 * `Atomics.wait`/`notify` (bench/_raw.ts: spin, then sleep, the spin's
 * length adapting by the engine's own rules, core/emulated/spin.ts).
 *
 * "Peer spinning": round trips back to back, so each side is still in its
 * spin when the other signals. "Peer sleeping": the initiator thinks for
 * DELAY_US before each ping, longer than either side's longest spin, so every
 * signal has to wake a sleeper (the cost is then the kernel's futex wake,
 * plus DELAY_US on both sides of the ratio: the "think time alone" line
 * shows how much of each is the delay).
 *
 * Goal (issue 4): ntsync at most 1.5x raw in each regime.
 *
 * @module
 */

import { SPIN_ITERATIONS, type Transport } from "./_pingpong.ts";
import { startPingPong } from "./_pingpong_rig.ts";
import { busyWait } from "./_raw.ts";

/** Round trips per bench iteration, peers spinning. */
const SPIN_ROUNDS = 1000;
/** Round trips per bench iteration, peers sleeping. */
const SLEEP_ROUNDS = 10;
/**
 * The initiator's think time before each ping when the peer must be asleep:
 * longer than the longest spin either side adapts to (MAX_SPIN_US).
 */
const DELAY_US = 200;

const rig = await startPingPong();

for (
  const [regime, rounds, delay, n] of [
    ["peer spinning", SPIN_ROUNDS, 0, SPIN_ITERATIONS],
    ["peer sleeping", SLEEP_ROUNDS, DELAY_US, 100],
  ] as const
) {
  for (const where of ["worker<->worker", "main<->worker"] as const) {
    const group = `ping-pong ${where}, ${regime}`;
    const run = where === "main<->worker"
      ? (t: Transport) => rig.inMain(t, rounds, delay)
      : (t: Transport) => rig.inWorker(t, rounds, delay);
    Deno.bench({
      name: `raw Atomics.wait/notify, ${rounds} round trips`,
      group,
      baseline: true,
      n,
      warmup: 10,
      fn: () => run("raw"),
    });
    Deno.bench({
      name: `ntsync EVENT_SET + WAIT_ANY, ${rounds} round trips`,
      group,
      n,
      warmup: 10,
      fn: () => run("ntsync"),
    });
    if (delay > 0) {
      Deno.bench({
        name: `think time alone (${rounds} x ${delay} us)`,
        group,
        n,
        warmup: 10,
        fn() {
          for (let i = 0; i < rounds; i++) busyWait(delay);
        },
      });
    }
  }
}
