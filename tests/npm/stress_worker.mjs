// One Worker of stress.mjs: attaches the shared device and objects.
import { attachDevice } from "@ntsync/ntsync";

const isBun = typeof globalThis.Bun !== "undefined";
let port;
if (isBun) {
  port = {
    post: (m) => self.postMessage(m),
    on: (f) => {
      self.onmessage = (e) => f(e.data);
    },
  };
} else {
  const { parentPort } = await import("node:worker_threads");
  port = {
    post: (m) => parentPort.postMessage(m),
    on: (f) => parentPort.once("message", f),
  };
}

port.on((job) => {
  try {
    const dev = attachDevice(job.device);
    if (job.role === "lock") {
      const mutex = dev.mutex(job.mutex);
      const counter = new Uint32Array(job.counter);
      for (let i = 0; i < job.rounds; i++) {
        const r = dev.waitAny([mutex], { owner: job.owner });
        if (r.status !== "signaled") throw new Error(`lock: ${r.status}`);
        counter[0] = counter[0] + 1;
        mutex.unlock(job.owner);
      }
      port.post({ done: job.rounds });
    } else {
      const mine = dev.event(job.mine);
      const theirs = dev.event(job.theirs);
      const wait = () => {
        const r = dev.waitAny([mine], { timeout: 20_000 });
        if (r.status !== "signaled") throw new Error(`ping-pong: ${r.status}`);
      };
      let done = 0;
      for (let i = 0; i < job.rounds; i++) {
        if (job.first) {
          theirs.set();
          wait();
        } else {
          wait();
          theirs.set();
        }
        done++;
      }
      port.post({ done });
    }
  } catch (err) {
    port.post({ error: String(err?.stack ?? err) });
  }
});
