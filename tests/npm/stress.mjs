// Workers sharing one device: each locks a mutex, does a plain
// (non-atomic) increment of a shared counter and unlocks, ROUNDS times; the
// counter must end exactly right. Then two Workers play event ping-pong.
// Node Workers come from node:worker_threads, Bun's are Web Workers.
import { Worker as NodeWorker } from "node:worker_threads";
import { openDevice } from "@ntsync/ntsync";

const WORKERS = 3;
const LOCK_ROUNDS = 5000;
const PING_ROUNDS = 2000;
const isBun = typeof globalThis.Bun !== "undefined";

function start(job) {
  const url = new URL("./stress_worker.mjs", import.meta.url);
  return new Promise((resolve, reject) => {
    if (isBun) {
      const w = new Worker(url.href, { type: "module" });
      w.onmessage = (e) => {
        w.terminate();
        resolve(e.data);
      };
      w.onerror = (e) => reject(new Error(e.message));
      w.postMessage(job);
    } else {
      const w = new NodeWorker(url);
      w.once("message", (m) => {
        w.terminate();
        resolve(m);
      });
      w.once("error", reject);
      w.postMessage(job);
    }
  });
}

export async function runWorkerStress(kind) {
  const dev = openDevice(kind);
  try {
    return await stress(dev);
  } finally {
    dev.close(); // closes its objects too
  }
}

async function stress(dev) {
  const mutex = dev.createMutex();
  const counter = new SharedArrayBuffer(4);
  const results = await Promise.all(
    Array.from({ length: WORKERS }, (_, i) =>
      start({
        role: "lock",
        device: dev.share(),
        mutex: mutex.fd,
        counter,
        owner: 100 + i,
        rounds: LOCK_ROUNDS,
      })),
  );
  for (const r of results) if (r.error) throw new Error(r.error);
  const ping = dev.createEvent();
  const pong = dev.createEvent();
  const [a, b] = await Promise.all([
    start({
      role: "ping",
      device: dev.share(),
      mine: ping.fd,
      theirs: pong.fd,
      rounds: PING_ROUNDS,
      first: true,
    }),
    start({
      role: "ping",
      device: dev.share(),
      mine: pong.fd,
      theirs: ping.fd,
      rounds: PING_ROUNDS,
      first: false,
    }),
  ]);
  if (a.error || b.error) throw new Error(a.error ?? b.error);
  return {
    counter: new Uint32Array(counter)[0],
    expected: WORKERS * LOCK_ROUNDS,
    rounds: PING_ROUNDS,
    pongs: Math.min(a.done, b.done),
  };
}
