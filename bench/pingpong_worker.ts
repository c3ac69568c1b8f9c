/// <reference lib="deno.worker" />
/**
 * A ping-pong Worker: an echo (raw or ntsync) that answers forever, or the
 * initiator that runs round trips whenever the main thread bumps C_GO.
 *
 * @module
 */

import { attachBackend } from "../mod.ts";
import {
  C_DELAY_US,
  C_DONE,
  C_GO,
  C_ROUNDS,
  C_TRANSPORT,
  PingPong,
  type PingPongInit,
  TRANSPORTS,
} from "./_pingpong.ts";

self.onmessage = (e: MessageEvent<PingPongInit>) => {
  const init = e.data;
  const side = new PingPong(attachBackend(init.token), init);
  self.postMessage("ready");
  if (init.role === "raw-echo") side.echoRaw();
  if (init.role === "ntsync-echo") side.echoNtsync();
  const ctl = new Int32Array(init.shared);
  for (let seen = 0;;) {
    // Idle between runs: sleep, leave the cores to the peers.
    Atomics.wait(ctl, C_GO, seen);
    seen = Atomics.load(ctl, C_GO);
    side.run(
      TRANSPORTS[Atomics.load(ctl, C_TRANSPORT)],
      Atomics.load(ctl, C_ROUNDS),
      Atomics.load(ctl, C_DELAY_US),
    );
    Atomics.add(ctl, C_DONE, 1);
    Atomics.notify(ctl, C_DONE);
  }
};
