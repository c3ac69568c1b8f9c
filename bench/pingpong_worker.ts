/// <reference lib="deno.worker" />
/**
 * A ping-pong Worker: an echo (raw or ntsync) that answers forever, or the
 * initiator that runs round trips whenever the main thread orders a run
 * (`orderRun`, `serveRuns`).
 *
 * @module
 */

import { attachBackend } from "../mod.ts";
import { PingPong, type PingPongInit, serveRuns } from "./_pingpong.ts";

self.onmessage = (e: MessageEvent<PingPongInit>) => {
  const init = e.data;
  const side = new PingPong(attachBackend(init.token), init);
  self.postMessage("ready");
  if (init.role === "raw-echo") side.echoRaw();
  if (init.role === "ntsync-echo") side.echoNtsync();
  serveRuns(init.shared, side);
};
