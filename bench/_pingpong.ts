/**
 * Ping-pong shared by the bench and its Workers: one side signals "ping"
 * and waits for "pong", the other answers, over either two raw auto-reset
 * events (bench/_raw.ts) or two ntsync auto-reset events through the
 * surface (EVENT_SET, WAIT_ANY).
 *
 * The control block lets the main thread start a run of round trips in a
 * Worker and sleep until it is done, so it takes no core from the peers.
 *
 * @module
 */

import {
  type Backend,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_WAIT_ANY,
  type ShareToken,
  WaitArgs,
} from "../mod.ts";
import { FOREVER } from "../conformance/ops.ts";
import { busyWait, RawEvent } from "./_raw.ts";
import { runInWorkers, serveInWorker } from "./_workers.ts";

/**
 * Bench iterations of a ping-pong with both peers spinning: about half a
 * second a side. The average is set by rare stalls of 2 to 60 ms (the VM's
 * futex wakes, vCPU stalls, both threads stacked on one vCPU; see
 * bench/RESULTS.txt), and with 200 iterations (50 ms a side) one stall more
 * or less on either side moved a ratio by half.
 */
export const SPIN_ITERATIONS = 2000;

/** How the two sides wait for each other. */
export type Transport = "raw" | "ntsync";

// Control words.
/** Bumped by the main thread to start a run in the initiator Worker. */
const C_GO = 0;
/** Incremented by the initiator Worker when a run is done. */
const C_DONE = 1;
/** Round trips in the run. */
const C_ROUNDS = 2;
/** Transport of the run: index into TRANSPORTS. */
const C_TRANSPORT = 3;
/** Think time before each ping, in microseconds (0: none). */
const C_DELAY_US = 4;
// Raw event words (after the control block's 8).
/** Raw "ping" event word. */
const RAW_PING = 8;
/** Raw "pong" event word. */
const RAW_PONG = 9;
/** Words in the shared block. */
export const SHARED_WORDS = 16;

/** Transports by number, for the control block. */
const TRANSPORTS: readonly Transport[] = ["raw", "ntsync"];

/**
 * The main thread's half of the control block: have the initiator Worker
 * (see `serveRuns`) run `rounds` round trips, and sleep until it is done.
 */
export function orderRun(
  shared: SharedArrayBuffer,
  transport: Transport,
  rounds: number,
  delayUs: number,
): void {
  const ctl = new Int32Array(shared);
  Atomics.store(ctl, C_TRANSPORT, TRANSPORTS.indexOf(transport));
  Atomics.store(ctl, C_ROUNDS, rounds);
  Atomics.store(ctl, C_DELAY_US, delayUs);
  runInWorkers(ctl, C_GO, C_DONE);
}

/** The initiator Worker's half: run each order as it comes, forever. */
export function serveRuns(shared: SharedArrayBuffer, side: PingPong): never {
  const ctl = new Int32Array(shared);
  serveInWorker(ctl, C_GO, C_DONE, () => {
    side.run(
      TRANSPORTS[Atomics.load(ctl, C_TRANSPORT)],
      Atomics.load(ctl, C_ROUNDS),
      Atomics.load(ctl, C_DELAY_US),
    );
  });
}

/** What every ping-pong Worker is told. */
export interface PingPongInit {
  /** "initiator" runs rounds on command; "raw-echo" and "ntsync-echo" answer forever. */
  role: "initiator" | "raw-echo" | "ntsync-echo";
  /** This Worker's share token for the device. */
  token: ShareToken;
  /** Device fd. */
  dev: number;
  /** The ntsync auto-reset events. */
  ping: number;
  /** Answer event. */
  pong: number;
  /** Control block and raw event words. */
  shared: SharedArrayBuffer;
}

/** One side's view: both transports ready to use. */
export class PingPong {
  readonly #nt: Backend;
  readonly #dev: number;
  readonly #ping: number;
  readonly #pong: number;
  readonly #rawPing: RawEvent;
  readonly #rawPong: RawEvent;
  readonly #setArgs = new DataView(new ArrayBuffer(4));
  readonly #waitPing: DataView;
  readonly #waitPong: DataView;
  readonly #objs: Int32Array[] = [];

  /**
   * @param nt this thread's backend for the device
   * @param init the events and shared words
   */
  constructor(nt: Backend, init: Omit<PingPongInit, "role" | "token">) {
    this.#nt = nt;
    this.#dev = init.dev;
    this.#ping = init.ping;
    this.#pong = init.pong;
    const words = new Int32Array(init.shared);
    this.#rawPing = new RawEvent(words, RAW_PING);
    this.#rawPong = new RawEvent(words, RAW_PONG);
    this.#waitPing = this.#waitArgs(init.ping);
    this.#waitPong = this.#waitArgs(init.pong);
  }

  #waitArgs(fd: number): DataView {
    const objs = new Int32Array([fd]);
    this.#objs.push(objs);
    return WaitArgs.alloc({
      timeout: FOREVER,
      objs: this.#nt.addressOf(objs),
      count: 1,
      owner: 1,
    });
  }

  /** `rounds` round trips as the initiator, thinking `delayUs` before each ping. */
  run(transport: Transport, rounds: number, delayUs: number): void {
    const nt = this.#nt, dev = this.#dev;
    for (let i = 0; i < rounds; i++) {
      if (delayUs > 0) busyWait(delayUs);
      if (transport === "ntsync") {
        nt.ioctl(this.#ping, NTSYNC_IOC_EVENT_SET, this.#setArgs);
        nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, this.#waitPong);
      } else {
        this.#rawPing.signal();
        this.#rawPong.wait();
      }
    }
  }

  /** Answer raw pings forever (spinning before sleeping, as the raw initiator does). */
  echoRaw(): never {
    for (;;) {
      this.#rawPing.wait();
      this.#rawPong.signal();
    }
  }

  /** Answer ntsync pings forever (a blocking WAIT_ANY: the engine spins, then sleeps). */
  echoNtsync(): never {
    const nt = this.#nt, dev = this.#dev;
    for (;;) {
      nt.ioctl(dev, NTSYNC_IOC_WAIT_ANY, this.#waitPing);
      nt.ioctl(this.#pong, NTSYNC_IOC_EVENT_SET, this.#setArgs);
    }
  }
}
