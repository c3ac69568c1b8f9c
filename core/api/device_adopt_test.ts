/**
 * Adopting takes nothing, even while another thread releases and unlocks
 * the very object being adopted. (The check once named the object as the
 * alert of an empty WAIT_ALL; the kernel queues that entry on the object
 * before it finds the empty set satisfied, and a release in between gave
 * the probe a unit, or the mutex as owner 0xFFFFFFFF. The engine does the
 * same steps under its device lock, so only the native backend could lose.)
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Backend } from "../backend.ts";
import { NtsyncError } from "../errors.ts";
import { Errno } from "../../uapi/errno.ts";
import { NTSYNC_IOC_WAIT_ALL, NTSYNC_IOC_WAIT_ANY } from "../../uapi/ioctl.ts";
import { WAIT } from "../../uapi/structs.ts";
import { openDevice } from "./device.ts";
import { testEachBackend } from "./_test_helpers.ts";
import type { AdoptRaceJob } from "./_adopt_worker.ts";

/** Each wait `backend` is asked for: its alert word and how it ended. */
interface WaitSeen {
  alert: number;
  errno: number;
}

/** `backend`, with every WAIT_ANY/WAIT_ALL it is asked for noted in `seen`. */
function watched(backend: Backend, seen: WaitSeen[]): Backend {
  return new Proxy(backend, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      if (key !== "ioctl") return value.bind(target);
      return (fd: number, request: number, arg: ArrayBufferView | null) => {
        if (
          request !== NTSYNC_IOC_WAIT_ANY && request !== NTSYNC_IOC_WAIT_ALL
        ) {
          return target.ioctl(fd, request, arg);
        }
        const view = new DataView(arg!.buffer, arg!.byteOffset, 40);
        const alert = view.getUint32(WAIT.alert, true);
        try {
          const r = target.ioctl(fd, request, arg);
          seen.push({ alert, errno: 0 });
          return r;
        } catch (err) {
          if (err instanceof NtsyncError) {
            seen.push({ alert, errno: err.errno });
          }
          throw err;
        }
      };
    },
  });
}

testEachBackend(
  "adopt: the check's wait names no alert and cannot succeed",
  (backend) => {
    const seen: WaitSeen[] = [];
    using dev = openDevice(watched(backend, seen));
    using sem = dev.createSemaphore(2, 3);
    using m = dev.createMutex();
    using ev = dev.createEvent({ signaled: true });
    using _s = dev.semaphore(sem.fd);
    using _m = dev.mutex(m.fd);
    using _e = dev.event(ev.fd);
    // One wait per adoption. An alert there would be queued on the object
    // before the kernel looked at the rest, and a wait that can succeed
    // takes what it names; a WAIT_ALL over a never-signaled guard that
    // times out has taken nothing, whoever released what meanwhile.
    assert.deepEqual(seen, [
      { alert: 0, errno: Errno.ETIMEDOUT },
      { alert: 0, errno: Errno.ETIMEDOUT },
      { alert: 0, errno: Errno.ETIMEDOUT },
    ]);
    assert.deepEqual(sem.read(), { count: 2, max: 3 });
    assert.deepEqual(m.read(), { owner: 0, count: 0, abandoned: false });
    assert.deepEqual(ev.read(), { manual: false, signaled: true });
  },
);

/** Rounds of the releasing Worker (fewer under qemu TCG). */
const ROUNDS = Deno.env.get("NTSYNC_KERNEL_VM") ? 3_000 : 20_000;

testEachBackend(
  "adopt: concurrent releases and unlocks of the adopted objects lose nothing",
  async (backend) => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(0, 0x7fff_ffff);
    using m = dev.createMutex();
    const words = new SharedArrayBuffer(4);
    const done = new Int32Array(words);
    const worker = new Worker(
      new URL("./_adopt_worker.ts", import.meta.url),
      { type: "module" },
    );
    try {
      const reply = new Promise<string>((resolve) => {
        worker.onmessage = (e) => resolve(e.data);
      });
      worker.postMessage(
        {
          token: dev.share(),
          sem: sem.fd,
          mutex: m.fd,
          rounds: ROUNDS,
          words,
        } satisfies AdoptRaceJob,
      );
      let adoptions = 0;
      while (Atomics.load(done, 0) === 0) {
        // Both in one go: one adoption check each, then let go.
        using _s = dev.semaphore(sem.fd);
        using _m = dev.mutex(m.fd);
        adoptions++;
        if (adoptions % 64 === 0) await new Promise((r) => setTimeout(r, 0));
      }
      assert.equal(await reply, "done");
      assert.ok(adoptions > 0, "the main thread adopted while the Worker ran");
      assert.deepEqual(sem.read(), { count: ROUNDS, max: 0x7fff_ffff });
      assert.deepEqual(m.read(), { owner: 0, count: 0, abandoned: false });
    } finally {
      worker.terminate();
    }
  },
);
