/**
 * One philosopher of `wait_all_workers.ts`, run as a Worker: waits for the
 * start, then eats `meals` times, each time taking both forks with one
 * atomic `waitAll`.
 *
 * @module
 */

import { attachDevice, type DeviceToken } from "../mod.ts";

/** What the main thread sends each philosopher. */
interface Setup {
  /** `device.share()` of the main thread's device. */
  device: DeviceToken;
  /** This philosopher's number, used as the forks' mutex owner id. */
  id: number;
  /** The fds of the two forks (mutexes) beside this philosopher. */
  forks: [number, number];
  /** The forks' numbers, for the log. */
  forkNames: [number, number];
  /** The fd of the manual-reset start event. */
  start: number;
  /** The fd of this philosopher's "done" event. */
  done: number;
  /** How many meals to eat. */
  meals: number;
}

/** What a philosopher tells the main thread. */
interface Report {
  /** The philosopher's number. */
  id: number;
  /** When it happened (ms since the epoch, comparable across Workers). */
  at: number;
  /** What happened. */
  what: string;
}

declare const self: {
  onmessage: (e: MessageEvent<Setup>) => void;
  postMessage(report: Report): void;
  close(): void;
};

/** Block this Worker for `ms` (a Worker may block; the main thread must not). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

self.onmessage = (e) => {
  const { id, meals, forkNames } = e.data;
  const say = (what: string) =>
    self.postMessage({
      id,
      at: performance.timeOrigin + performance.now(),
      what,
    });

  using device = attachDevice(e.data.device);
  // Handles to objects the main thread created: borrowed, not closed here.
  const forks = e.data.forks.map((fd) => device.mutex(fd));
  const start = device.event(e.data.start);

  say("ready");
  device.waitAny([start]); // a blocking wait: fine in a Worker

  for (let meal = 1; meal <= meals; meal++) {
    say("is hungry");
    // Both forks or none: the wait acquires the two mutexes atomically.
    const got = device.waitAll(forks, { owner: id, timeout: 10_000 });
    if (got.status !== "signaled") throw new Error(`no forks: ${got.status}`);
    const mine = forks.every((f) => f.read().owner === id);
    say(
      `eats meal ${meal}/${meals} with forks ${forkNames[0]} and ${
        forkNames[1]
      }` +
        (mine ? "" : " (BUG: a fork is not mine!)"),
    );
    pause(20 + 10 * id);
    for (const fork of forks) fork.unlock(id);
    say("puts the forks down and thinks");
    pause(10);
  }

  device.event(e.data.done).set();
  say("is done");
  self.close();
};
