/**
 * Wait records under churn: two Workers ping-pong 50,000 times (5 x the
 * stress loops) through two
 * auto-reset events, so records are taken and freed on both threads at
 * once, 200,000 times. Afterwards the device must count exactly the waits
 * in progress (none), or a device that lives long enough would run out of
 * records (ENOMEM) with nobody waiting.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createEvent, Ops } from "../../conformance/ops.ts";
import {
  assertSettled,
  freshDevice,
  Peer,
  READY_MS,
  stressLoops,
  withTimeout,
} from "./_harness.ts";
import type { EchoInit } from "./echo_worker.ts";

const worker = new URL("./echo_worker.ts", import.meta.url);

Deno.test("stress: 50,000 cross-Worker ping-pongs leave the record count exact", async () => {
  const ROUNDS = 5 * stressLoops();
  const { nt, dev } = freshDevice();
  const ping = createEvent(nt, dev, false, false);
  const pong = createEvent(nt, dev, false, false);
  const stop = createEvent(nt, dev, true, false);
  const base = { dev, ping, pong, stop, rounds: ROUNDS };
  const echo = new Peer(
    worker,
    { ...base, role: "echo", token: nt.share() } satisfies EchoInit,
  );
  let initiator: Peer | undefined;
  try {
    assert.equal(
      await withTimeout(echo.next(), READY_MS, "echo ready"),
      "ready",
    );
    initiator = new Peer(
      worker,
      { ...base, role: "initiator", token: nt.share() } satisfies EchoInit,
    );
    assert.equal(
      await withTimeout(initiator.next(), READY_MS, "initiator ready"),
      "ready",
    );
    assert.equal(
      await withTimeout(initiator.next(), 20_000, "round trips"),
      ROUNDS,
    );
    assert.equal(new Ops(nt).set(stop), 0);
    assert.equal(
      await withTimeout(echo.next(), 10_000, "echo stopped"),
      ROUNDS,
    );
  } finally {
    echo.worker.terminate();
    initiator?.worker.terminate();
  }
  assertSettled(nt, dev, [
    { fd: ping, event: { manual: false, signaled: false } },
    { fd: pong, event: { manual: false, signaled: false } },
    { fd: stop, event: { manual: true, signaled: true } },
  ]);
});
