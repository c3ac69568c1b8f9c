/**
 * Threads on every runtime, behind one small helper: `node:worker_threads`
 * (Node, and on Deno and Bun for workers that must not keep the process
 * alive while idle, which a Deno Web Worker cannot), and the Worker a test
 * or program spawns from a module file (Web Workers on Deno and Bun,
 * `node:worker_threads` on Node, which has no global `Worker` before 22).
 *
 * Nothing is loaded until a function here is called.
 *
 * @module
 */

import { builtinModule, runtimeName } from "./runtime.ts";

/** What the module uses of a `node:worker_threads` Worker. */
export interface NodeWorker {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  on(event: "message", listener: (message: unknown) => void): unknown;
  on(event: "error", listener: (err: unknown) => void): unknown;
  on(event: "exit", listener: (code: number) => void): unknown;
  ref(): void;
  unref(): void;
  terminate(): unknown;
}

/** What the module uses of `node:worker_threads`. */
export interface ThreadsModule {
  readonly Worker: new (
    url: URL | string,
    options?: Record<string, unknown>,
  ) => NodeWorker;
  readonly parentPort: {
    postMessage(message: unknown): void;
    on(event: "message", listener: (message: unknown) => void): unknown;
  } | null;
  readonly isMainThread: boolean;
}

/**
 * `node:worker_threads`, loaded synchronously on first call.
 *
 * @throws {Error} where the runtime cannot give it (Node before 20.16).
 */
export function threadsModule(): ThreadsModule {
  const mod = builtinModule<ThreadsModule>("node:worker_threads");
  if (!mod) {
    throw new Error(
      "ntsync: node:worker_threads is not reachable synchronously here " +
        "(process.getBuiltinModule needs Node 20.16 or later)",
    );
  }
  return mod;
}

/** A Worker running a module file, the same on every runtime. */
export interface Thread {
  /** Send a structured-cloneable message. */
  postMessage(message: unknown): void;
  /** Called with each message the Worker posts. */
  onMessage(listener: (message: unknown) => void): void;
  /** Called when the Worker throws or fails to start. */
  onError(listener: (message: string) => void): void;
  /** Stop the Worker. */
  terminate(): void;
}

/**
 * Start a Worker on the module at `url` (a Web Worker on Deno and Bun,
 * a `node:worker_threads` Worker on Node). In it, {@linkcode parentScope}
 * talks back.
 *
 * @example
 * ```ts ignore
 * import { spawnThread } from "./threads.ts";
 * const t = spawnThread(new URL("./worker.ts", import.meta.url));
 * t.onMessage((m) => console.log(m));
 * ```
 */
export function spawnThread(url: URL): Thread {
  if (runtimeName() !== "node") {
    const W = (globalThis as unknown as {
      Worker: new (u: string, o: { type: "module" }) => {
        postMessage(m: unknown): void;
        terminate(): void;
        onmessage: ((e: { data: unknown }) => void) | null;
        onerror:
          | ((e: { message: string; preventDefault(): void }) => void)
          | null;
        onmessageerror: (() => void) | null;
      };
    }).Worker;
    const w = new W(url.href, { type: "module" });
    return {
      postMessage: (m) => w.postMessage(m),
      onMessage: (l) => {
        w.onmessage = (e) => l(e.data);
      },
      onError: (l) => {
        w.onerror = (e) => {
          e.preventDefault();
          l(e.message);
        };
        w.onmessageerror = () => l("message could not be decoded");
      },
      terminate: () => w.terminate(),
    };
  }
  const w = new (threadsModule().Worker)(url);
  return {
    postMessage: (m) => w.postMessage(m),
    onMessage: (l) => void w.on("message", l),
    onError: (l) =>
      void w.on("error", (err) => {
        l(err instanceof Error ? err.message : String(err));
      }),
    terminate: () => void w.terminate(),
  };
}

/** A Worker's side of {@linkcode spawnThread}. */
export interface ParentScope<In> {
  /** Called with each message the parent posts. */
  onMessage(listener: (message: In) => void): void;
  /** Send a message to the parent. */
  postMessage(message: unknown): void;
}

/** Inside a Worker started by {@linkcode spawnThread}: its parent. */
export function parentScope<In>(): ParentScope<In> {
  if (runtimeName() === "node") {
    const port = threadsModule().parentPort;
    if (!port) throw new Error("parentScope: not inside a Worker");
    return {
      onMessage: (l) => void port.on("message", (m) => l(m as In)),
      postMessage: (m) => port.postMessage(m),
    };
  }
  const self = globalThis as unknown as {
    onmessage: ((e: { data: In }) => void) | null;
    postMessage(m: unknown): void;
  };
  return {
    onMessage: (l) => {
      self.onmessage = (e) => l(e.data);
    },
    postMessage: (m) => self.postMessage(m),
  };
}
