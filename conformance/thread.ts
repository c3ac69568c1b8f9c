/**
 * The main-thread side of the selftests' pthreads: a Worker running
 * `thread_worker.ts`, with `pthread_create` / `pthread_timedjoin_np` /
 * `pthread_tryjoin_np` equivalents.
 *
 * One Worker serves the successive `pthread_create`s of a test (a Worker
 * costs ~18 ms to start); a test that needs several concurrent threads spawns
 * several.
 *
 * @module
 */

import type { Backend, ShareToken } from "../core/backend.ts";
import type {
  FromWorker,
  StressJob,
  StressResult,
  ThreadResult,
  ToWorker,
  WaitJob,
} from "./protocol.ts";
import { SPAWN_LIMIT_MS } from "./timing.ts";

/** What `wait_for_thread` reports while the thread is still blocked. */
export const STILL_RUNNING = "ETIMEDOUT" as const;

/** `wait_for_thread`'s answer: still running, or the thread's result. */
export type JoinResult = typeof STILL_RUNNING | ThreadResult;

/** A Worker standing in for one pthread at a time. */
export class WaitThread {
  readonly #worker: Worker;
  readonly #nt: Backend;
  readonly #token: ShareToken;
  readonly #inbox: FromWorker[] = [];
  #wake: (() => void) | undefined;
  #busy = false;
  #result: ThreadResult | undefined;
  #terminated = false;

  private constructor(worker: Worker, nt: Backend, token: ShareToken) {
    this.#worker = worker;
    this.#nt = nt;
    this.#token = token;
    worker.onmessage = (e: MessageEvent<FromWorker>) => this.#push(e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#push({ kind: "error", message: e.message });
    };
    worker.onmessageerror = () => {
      this.#push({ kind: "error", message: "message could not be decoded" });
    };
  }

  /** Start a Worker and attach it to `nt`'s objects (`nt.share()`). */
  static async spawn(nt: Backend): Promise<WaitThread> {
    const worker = new Worker(
      new URL("./thread_worker.ts", import.meta.url).href,
      { type: "module" },
    );
    const token = nt.share();
    const t = new WaitThread(worker, nt, token);
    try {
      t.#send({ kind: "attach", token });
      const msg = await t.#next(SPAWN_LIMIT_MS);
      if (msg?.kind !== "ready") {
        throw new Error(
          `thread worker did not attach: ${
            msg ? JSON.stringify(msg) : "no answer"
          }`,
        );
      }
    } catch (err) {
      t.terminate();
      throw err;
    }
    return t;
  }

  /**
   * `pthread_create(wait_thread)`: resolves once the worker is about to
   * enter its blocking ioctl.
   */
  async start(job: WaitJob): Promise<void> {
    await this.#begin({ kind: "wait", job });
  }

  /** Start the `stress_wait` loop; resolves when it is about to block. */
  async startStress(job: StressJob): Promise<void> {
    await this.#begin({ kind: "stress", job });
  }

  /**
   * `wait_for_thread(t, ms)`: the thread's result if its ioctl returns within
   * `ms`, else {@linkcode STILL_RUNNING}.
   */
  async join(ms: number): Promise<JoinResult> {
    if (!this.#busy) throw new Error("join: no thread was started");
    const msg = await this.#next(ms);
    if (msg === undefined) return STILL_RUNNING;
    if (msg.kind === "done") {
      this.#busy = false;
      this.#result = msg.result;
      return msg.result;
    }
    throw new Error(`thread failed: ${describe(msg)}`);
  }

  /**
   * `pthread_tryjoin_np`: like `join`, after only a short grace for the
   * result message to arrive (a thread that wrongly returned is then seen).
   */
  tryJoin(): Promise<JoinResult> {
    return this.join(20);
  }

  /** Wait up to `ms` for a stress loop to finish; undefined if it has not. */
  async joinStress(ms: number): Promise<StressResult | undefined> {
    if (!this.#busy) throw new Error("joinStress: no stress loop started");
    const msg = await this.#next(ms);
    if (msg === undefined) return undefined;
    if (msg.kind === "stress-done") {
      this.#busy = false;
      return msg.result;
    }
    throw new Error(`stress thread failed: ${describe(msg)}`);
  }

  /** True while a started ioctl has not been joined. */
  get running(): boolean {
    return this.#busy;
  }

  /** The last joined result (for messages). */
  get lastResult(): ThreadResult | undefined {
    return this.#result;
  }

  /**
   * Stop the Worker: reap its attachment, then terminate it (Deno's
   * terminate() alone does not stop a Worker blocked in a wait). Safe to
   * call twice.
   */
  terminate(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    try {
      this.#nt.reap(this.#token);
    } catch {
      // cleanup must not mask the check's own failure
    }
    this.#worker.terminate();
    this.#wake?.();
  }

  async #begin(msg: ToWorker): Promise<void> {
    if (this.#busy) throw new Error("thread is still running its last ioctl");
    if (this.#terminated) throw new Error("thread was terminated");
    this.#busy = true;
    this.#send(msg);
    const first = await this.#next(SPAWN_LIMIT_MS);
    if (first?.kind !== "started") {
      throw new Error(
        `thread did not start: ${first ? describe(first) : "no answer"}`,
      );
    }
  }

  #send(msg: ToWorker): void {
    this.#worker.postMessage(msg);
  }

  #push(msg: FromWorker): void {
    this.#inbox.push(msg);
    this.#wake?.();
  }

  /** The next message, or undefined when none arrives within `ms`. */
  async #next(ms: number): Promise<FromWorker | undefined> {
    if (this.#inbox.length === 0 && !this.#terminated) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, ms);
      });
      clearTimeout(timer);
      this.#wake = undefined;
    }
    return this.#inbox.shift();
  }
}

function describe(msg: FromWorker): string {
  return msg.kind === "error" ? msg.message : JSON.stringify(msg);
}
