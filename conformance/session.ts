/**
 * One conformance check's run: the backend, a C-style `ioctl` that returns
 * -1 and errno instead of throwing, and bookkeeping so every fd and Worker
 * the check opened is closed when it ends, pass or fail.
 *
 * @module
 */

import type { Backend } from "../core/backend.ts";
import { NtsyncError } from "../core/errors.ts";
import {
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_CREATE_SEM,
} from "../uapi/ioctl.ts";
import type { CallResult } from "./check.ts";
import { WaitThread } from "./thread.ts";

const CREATES = new Set([
  NTSYNC_IOC_CREATE_SEM,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_CREATE_EVENT,
]);

/** Turn a throwing surface call into C's `ret` / `errno`. */
export function cCall(fn: () => number): CallResult {
  try {
    return { ret: fn(), errno: 0 };
  } catch (err) {
    if (err instanceof NtsyncError) return { ret: -1, errno: err.errno };
    throw err;
  }
}

/** The state of one running check. */
export class Session {
  /** The backend under test. */
  readonly nt: Backend;
  readonly #fds = new Set<number>();
  readonly #threads: WaitThread[] = [];

  /** @param nt the backend the check runs against */
  constructor(nt: Backend) {
    this.nt = nt;
  }

  /** `open("/dev/ntsync")`; the fd is closed at the end if still open. */
  open(): number {
    const fd = this.nt.open();
    this.#fds.add(fd);
    return fd;
  }

  /** C `ioctl()`: `{ret, errno}`; created objects are tracked for cleanup. */
  ioctl(fd: number, request: number, arg: ArrayBufferView | null): CallResult {
    const r = cCall(() => this.nt.ioctl(fd, request, arg));
    if (r.ret >= 0 && CREATES.has(request)) this.#fds.add(r.ret);
    return r;
  }

  /** `close(fd)`. */
  close(fd: number): void {
    this.#fds.delete(fd);
    this.nt.close(fd);
  }

  /** Record an fd created outside {@linkcode Session.ioctl}. */
  track(fd: number): void {
    this.#fds.add(fd);
  }

  /** A new Worker thread attached to this backend, terminated at the end. */
  async thread(): Promise<WaitThread> {
    const t = await WaitThread.spawn(this.nt);
    this.#threads.push(t);
    return t;
  }

  /** Terminate every Worker, then close every fd still open (newest first). */
  dispose(): void {
    for (const t of this.#threads.splice(0)) t.terminate();
    const fds = [...this.#fds].reverse();
    this.#fds.clear();
    for (const fd of fds) {
      try {
        this.nt.close(fd);
      } catch {
        // already gone: cleanup must not mask the check's own failure
      }
    }
  }
}

/** A named conformance check, runnable on any backend. */
export interface ConformanceTest {
  /** The kernel selftest's name (or the extra check's). */
  readonly name: string;
  /** Run every assertion against `backend`; rejects on the first failure. */
  run(backend: Backend): Promise<void>;
}

/**
 * Wrap a check body so it gets a fresh {@linkcode Session} that is always
 * cleaned up.
 */
export function defineCheck(
  name: string,
  body: (s: Session) => void | Promise<void>,
): ConformanceTest {
  return {
    name,
    async run(backend: Backend): Promise<void> {
      const s = new Session(backend);
      try {
        await body(s);
      } finally {
        s.dispose();
      }
    },
  };
}
