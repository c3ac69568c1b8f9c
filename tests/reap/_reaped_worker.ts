/**
 * The Worker the reap tests revoke: attaches the device it is given, with
 * its own thread id, and runs one job (`_jobs.ts`).
 *
 * @module
 */

import { attachDevice, type Device } from "../../core/api/device.ts";
import { NtsyncError } from "../../core/errors.ts";
import { Errno } from "../../uapi/errno.ts";
import { workerScope } from "../../conformance/worker_scope.ts";
import {
  ABANDONED,
  type BlockJob,
  ENTERED,
  ERRNO_AT,
  HOLDER,
  type HoldJob,
  type Init,
  LOOP_EVENT,
  LOOP_RELEASED,
  LOOP_ROUNDS,
  type LoopJob,
  REAPED_AT,
  RELEASED,
  type ReleaserJob,
  type Report,
  STATE_AT,
  STOP,
  TAKEN,
  type VictimJob,
  VIOLATIONS,
} from "./_jobs.ts";

const self = workerScope<Init>();

function post(report: Report): void {
  self.postMessage(report);
}

function ended(err: unknown): Report {
  if (err instanceof NtsyncError) return { kind: "ended", errno: err.errno };
  return { kind: "ended", error: String(err) };
}

async function block(dev: Device, job: BlockJob): Promise<Report> {
  const objs = [
    ...job.sems.map((fd) => dev.semaphore(fd)),
    ...job.events.map((fd) => dev.event(fd)),
  ];
  post({ kind: "waiting" });
  const wait = job.all
    ? (job.async ? dev.waitAllAsync(objs) : dev.waitAll(objs))
    : (job.async ? dev.waitAnyAsync(objs) : dev.waitAny(objs));
  return { kind: "ended", status: (await wait).status };
}

function loop(dev: Device, job: LoopJob): Report {
  const sem = dev.semaphore(job.sem), ev = dev.event(job.event);
  const w = new Int32Array(job.words);
  for (;;) {
    Atomics.add(w, LOOP_ROUNDS, 1);
    sem.release(1);
    Atomics.add(w, LOOP_RELEASED, 1);
    ev.set();
    Atomics.store(w, LOOP_EVENT, 1);
    ev.reset();
    Atomics.store(w, LOOP_EVENT, 0);
  }
}

function hold(dev: Device, job: HoldJob): Report {
  job.mutexes.forEach((fd, i) => {
    const status = dev.waitAny([dev.mutex(fd)], { owner: job.owners[i] })
      .status;
    if (status !== "signaled") throw new Error(`hold: ${status}`);
  });
  post({ kind: "holding" });
  if (job.sem < 0) return { kind: "ended", status: "idle" };
  return {
    kind: "ended",
    status: dev.waitAny([dev.semaphore(job.sem)]).status,
  };
}

const napWord = new Int32Array(new SharedArrayBuffer(4));

/**
 * 50 us asleep: a polling victim must leave the CPU to the Workers being
 * started (2 slow vCPUs in the qemu VM).
 */
function nap(): void {
  Atomics.wait(napWord, 0, 0, 0.05);
}

/** See stress/reap_cycles_test.ts. Returns the errno that stopped it. */
function victim(dev: Device, job: VictimJob): number {
  const w = new Int32Array(job.words), me = job.index + 1;
  const timeout = job.poll ? 0 : undefined;
  const reaped = (holder: number) =>
    holder !== 0 && Atomics.load(w, REAPED_AT + holder - 1) === 1;
  const violation = (what: string) => {
    Atomics.add(w, VIOLATIONS, 1);
    console.error(`victim ${me}: ${what}`);
  };
  try {
    // Adopting reads each object: a reap may already have come (the main
    // thread reaps at a random point once the loop has begun), and then
    // these calls fail ESRCH like any other.
    const sem = dev.semaphore(job.sem), m = dev.mutex(job.mutex);
    for (;;) {
      const got = dev.waitAny([sem], { timeout });
      if (got.status === "timeout") {
        if (!job.poll) violation("an infinite wait timed out");
        nap(); // still never back to the event loop, but no starving others
        continue;
      }
      Atomics.add(w, TAKEN, 1);
      let held;
      for (;;) {
        held = dev.waitAny([m], { timeout });
        if (held.status !== "timeout") break;
        nap();
      }
      const abandoned = held.status === "abandoned";
      if (abandoned) Atomics.add(w, ABANDONED, 1);
      Atomics.add(w, ENTERED, 1);
      const before = Atomics.exchange(w, HOLDER, me);
      if (before !== 0 && !abandoned && !reaped(before)) {
        violation(`acquired while victim ${before} was inside`);
      }
      for (let i = 0; i < 50; i++) Atomics.load(w, HOLDER);
      const now = Atomics.compareExchange(w, HOLDER, me, 0);
      const intruder = now !== me && !reaped(now) ? now : 0;
      m.unlock();
      if (intruder !== 0) violation(`victim ${intruder} entered meanwhile`);
    }
  } catch (err) {
    if (!(err instanceof NtsyncError)) {
      // Stop all the same (the test reads ERRNO_AT): -1 and why.
      violation(`stopped by ${String(err)}`);
      return -1;
    }
    if (err.errno !== Errno.ESRCH) violation(`stopped by ${err.code}`);
    return err.errno;
  }
}

function releaser(dev: Device, job: ReleaserJob): Report {
  const sem = dev.semaphore(job.sem), w = new Int32Array(job.words);
  let released = 0;
  while (Atomics.load(w, STOP) === 0) {
    if (sem.read().count < 2) {
      sem.release(1);
      Atomics.add(w, RELEASED, 1);
      released++;
    } else Atomics.wait(w, STOP, 0, 0.05);
  }
  return { kind: "ended", status: `released ${released}` };
}

self.onmessage = async (e) => {
  const { token, job } = e.data;
  let report: Report;
  const dev = attachDevice(token);
  post({ kind: "ready", threadId: dev.threadId });
  try {
    switch (job.kind) {
      case "block":
        report = await block(dev, job);
        break;
      case "loop":
        report = loop(dev, job);
        break;
      case "hold":
        report = hold(dev, job);
        break;
      case "releaser":
        report = releaser(dev, job);
        break;
      case "victim": {
        const w = new Int32Array(job.words);
        Atomics.store(w, STATE_AT + job.index, 1);
        const errno = victim(dev, job);
        Atomics.store(w, ERRNO_AT + job.index, errno);
        Atomics.store(w, STATE_AT + job.index, 2);
        Atomics.notify(w, STATE_AT + job.index);
        report = { kind: "ended", errno };
        break;
      }
    }
  } catch (err) {
    report = ended(err);
  }
  post(report);
};
