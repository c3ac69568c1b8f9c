/**
 * The ping-pong rig both ping-pong benches use: one emulated device with a
 * "ping" and a "pong" auto-reset event, an echo Worker per transport, an
 * initiator Worker, and the main thread's own side.
 *
 * @module
 */

import {
  orderRun,
  PingPong,
  type PingPongInit,
  SHARED_WORDS,
  type Transport,
} from "./_pingpong.ts";
import { benchDevice, createEvent } from "./_device.ts";
import { startWorker } from "./_workers.ts";

/** A started rig: run round trips from the main thread or between Workers. */
export interface PingPongRig {
  /** `rounds` round trips between the main thread and an echo Worker. */
  inMain(transport: Transport, rounds: number, delayUs: number): void;
  /** `rounds` round trips between the initiator Worker and an echo Worker. */
  inWorker(transport: Transport, rounds: number, delayUs: number): void;
}

/** Start the Workers (they live until the process ends). */
export async function startPingPong(): Promise<PingPongRig> {
  const { nt, dev } = benchDevice();
  const shared = new SharedArrayBuffer(SHARED_WORDS * 4);
  const events = {
    dev,
    ping: createEvent(nt, dev, false, false),
    pong: createEvent(nt, dev, false, false),
    shared,
  };
  const url = new URL("./pingpong_worker.ts", import.meta.url);
  for (const role of ["raw-echo", "ntsync-echo", "initiator"] as const) {
    await startWorker(
      url,
      { ...events, role, token: nt.share() } satisfies PingPongInit,
    );
  }
  const main = new PingPong(nt, events);
  return {
    inMain: (transport, rounds, delayUs) =>
      main.run(transport, rounds, delayUs),
    inWorker: (transport, rounds, delayUs) =>
      orderRun(shared, transport, rounds, delayUs),
  };
}
