/**
 * Starting bench Workers: spawn, post the init message, wait for "ready".
 * Bench files start their Workers at load time; `deno bench` ends the
 * process (and them) when the benches are done.
 *
 * @module
 */

/** A Worker on `url` that has received `init` and answered "ready". */
export async function startWorker(url: URL, init: unknown): Promise<Worker> {
  const worker = new Worker(url, { type: "module" });
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = (e) => {
      if (e.data === "ready") resolve();
      else {reject(
          new Error(`${url.pathname}: expected "ready", got ${e.data}`),
        );}
    };
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`${url.pathname}: ${e.message}`));
    };
  });
  worker.postMessage(init);
  await ready;
  return worker;
}

/**
 * Bump the word `go` and sleep until `workers` Workers have each added 1 to
 * the word `done` for this run (the Workers' part: `serveInWorker`).
 * `done` counts all runs: run k is over at k * workers.
 */
export function runInWorkers(
  ctl: Int32Array,
  go: number,
  done: number,
  workers = 1,
): void {
  const target = (Atomics.add(ctl, go, 1) + 1) * workers;
  Atomics.notify(ctl, go);
  for (
    let d = Atomics.load(ctl, done);
    d !== target;
    d = Atomics.load(ctl, done)
  ) {
    Atomics.wait(ctl, done, d);
  }
}

/**
 * The Workers' part of that protocol: sleep until the word `go` moves
 * (taking no core from the others between runs), `run()`, add 1 to the word
 * `done` and wake the main thread; forever.
 */
export function serveInWorker(
  ctl: Int32Array,
  go: number,
  done: number,
  run: () => void,
): never {
  for (let seen = 0;;) {
    Atomics.wait(ctl, go, seen);
    seen = Atomics.load(ctl, go);
    run();
    Atomics.add(ctl, done, 1);
    Atomics.notify(ctl, done);
  }
}
