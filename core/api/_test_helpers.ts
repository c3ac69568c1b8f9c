/**
 * Shared pieces of the typed API's tests: per-backend test registration and
 * a Worker that performs one blocking wait on request.
 *
 * @module
 */

import type { Backend } from "../backend.ts";
import { backendsUnderTest } from "../../tests/_backends.ts";
import {
  queuedWaits,
  UNSEEN_SETTLE_MS,
  untilQueued,
} from "../../tests/_blocked.ts";
import type { Device } from "./device.ts";
import type { SyncObject } from "./object.ts";
import type { WaitOptions, WaitResult } from "./wait.ts";

/** Register `fn` as one Deno test per backend under test. */
export function testEachBackend(
  name: string,
  fn: (backend: Backend) => void | Promise<void>,
): void {
  for (const backend of backendsUnderTest()) {
    Deno.test(`${backend.kind}: ${name}`, () => fn(backend));
  }
}

/**
 * The timeout of waits that are meant to succeed: generous, because under
 * qemu TCG the native backend's first async wait in a process blocked its
 * caller about 11 s while the wait worker started, and a shorter relative
 * timeout then expires before the wait even runs.
 */
export const LONG_MS = 60_000;

/** A promise that resolves after `ms` (its timer is always cleared). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolve once `waiters` waits are queued on `dev`, so that what the test
 * does next meets a blocked waiter, not one still on its way (then a
 * release would be taken at once, and "wakes a blocked waiter" would pass
 * without testing it). Both backends show their queued waits (the engine's
 * census; on native, this process's threads asleep in a wait ioctl: see
 * tests/_blocked.ts); where neither can be seen this settles for
 * {@linkcode UNSEEN_SETTLE_MS}.
 */
export async function untilBlocked(dev: Device, waiters = 1): Promise<void> {
  const backend = dev.backend;
  if (queuedWaits(backend) === undefined) return delay(UNSEEN_SETTLE_MS);
  await untilQueued(backend, 0, { more: waiters, ms: LONG_MS });
}

/** How a Worker refers to an object: its kind and fd. */
export interface ObjectRef {
  kind: SyncObject["kind"];
  fd: number;
}

/** One wait for the Worker to perform. */
export interface WorkerWait {
  mode: "any" | "all";
  objects: ObjectRef[];
  alert?: ObjectRef;
  options?: Omit<WaitOptions, "alert">;
  /** After the wait, unlock these mutexes as `options.owner` (if acquired). */
  unlockAfter?: number[];
}

/** What the Worker posts back. */
export interface WorkerReply {
  result?: WaitResult;
  error?: string;
  elapsedMs?: number;
}

function ref(o: SyncObject): ObjectRef {
  return { kind: o.kind, fd: o.fd };
}

/**
 * A Worker attached to `device` that blocks in one wait. `started` resolves
 * when the Worker is about to call the wait; `done` with its reply.
 * Terminate it with `using` (or `[Symbol.dispose]()`).
 */
export function waitInWorker(
  device: Device,
  mode: "any" | "all",
  objects: SyncObject[],
  options: WaitOptions = {},
  unlockAfter: number[] = [],
): { started: Promise<void>; done: Promise<WorkerReply> } & Disposable {
  const worker = new Worker(
    new URL("./_test_worker.ts", import.meta.url).href,
    { type: "module" },
  );
  const { alert, ...rest } = options;
  const plan: WorkerWait = {
    mode,
    objects: objects.map(ref),
    alert: alert ? ref(alert) : undefined,
    options: rest,
    unlockAfter,
  };
  const started = Promise.withResolvers<void>();
  const done = Promise.withResolvers<WorkerReply>();
  worker.onmessage = (e: MessageEvent) => {
    if (e.data === "started") started.resolve();
    else done.resolve(e.data as WorkerReply);
  };
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    const err = new Error(`worker failed: ${e.message}`);
    started.reject(err);
    done.reject(err);
  };
  worker.postMessage({ token: device.share(), plan });
  return {
    started: started.promise,
    done: done.promise,
    [Symbol.dispose]: () => worker.terminate(),
  };
}
