/// <reference lib="deno.worker" />
/**
 * One side of a ping-pong through two auto-reset events: the initiator
 * sets "ping" and waits for "pong" `rounds` times; the echo answers until
 * the stop event (its wait's alert) is set.
 *
 * @module
 */

import { attachBackend, type ShareToken } from "../../mod.ts";
import { Ops, Waiter } from "../../conformance/ops.ts";

/** The first message to this Worker. */
export interface EchoInit {
  /** "initiator" or "echo". */
  role: "initiator" | "echo";
  /** This Worker's share token. */
  token: ShareToken;
  /** Device fd. */
  dev: number;
  /** Auto-reset event the initiator sets. */
  ping: number;
  /** Auto-reset event the echo sets. */
  pong: number;
  /** Manual-reset event that ends the echo. */
  stop: number;
  /** Round trips (initiator). */
  rounds: number;
}

self.onmessage = (e: MessageEvent<EchoInit>) => {
  const init = e.data;
  const nt = attachBackend(init.token);
  const ops = new Ops(nt);
  self.postMessage("ready");
  let rounds = 0;
  if (init.role === "initiator") {
    const pong = new Waiter(nt, init.dev, [init.pong]);
    for (; rounds < init.rounds; rounds++) {
      if (ops.set(init.ping) !== 0) throw new Error("ping was already set");
      if (pong.index() !== 0) throw new Error("pong: wrong index");
    }
  } else {
    const ping = new Waiter(nt, init.dev, [init.ping], { alert: init.stop });
    while (ping.index() === 0) {
      if (ops.set(init.pong) !== 0) throw new Error("pong was already set");
      rounds++;
    }
  }
  self.postMessage(rounds);
  self.close();
};
