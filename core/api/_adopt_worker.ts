/**
 * Test fixture for device_adopt_test.ts: a Worker that attaches a shared
 * device and, `rounds` times, releases a semaphore by one and takes and
 * gives back a mutex, while the main thread adopts both objects over and
 * over. It sets `words[0]` to 1 when done, and posts its failure or `done`.
 *
 * @module
 */

import { attachDevice, type DeviceToken } from "./device.ts";

declare const self: {
  onmessage: (e: MessageEvent) => void;
  postMessage(message: unknown): void;
};

/** What the Worker is sent. */
export interface AdoptRaceJob {
  token: DeviceToken;
  sem: number;
  mutex: number;
  rounds: number;
  words: SharedArrayBuffer;
}

self.onmessage = (e: MessageEvent<AdoptRaceJob>) => {
  const { token, sem, mutex, rounds, words } = e.data;
  const done = new Int32Array(words);
  let reply = "done";
  try {
    using dev = attachDevice(token);
    using s = dev.semaphore(sem);
    using m = dev.mutex(mutex);
    for (let i = 0; i < rounds; i++) {
      s.release(1);
      // Every unlock below is a moment an adoption probe that queued on the
      // mutex would be handed it (as owner 0xFFFFFFFF): then this waits.
      const got = dev.waitAny([m], { timeout: 10_000 });
      if (got.status !== "signaled") {
        reply = `round ${i}: the mutex was ${got.status}: ${
          JSON.stringify(m.read())
        }`;
        break;
      }
      m.unlock();
    }
  } catch (err) {
    reply = String(err);
  }
  Atomics.store(done, 0, 1);
  self.postMessage(reply);
};
