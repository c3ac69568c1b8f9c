/**
 * Hundreds of Workers reaped and terminated in the middle of their loops,
 * while other Workers keep releasing: every unit of the semaphore is
 * accounted for exactly, and no two living Workers ever hold the mutex.
 *
 * Each victim loops: take a unit of the semaphore (an infinite wait, or a
 * poll in a busy loop that Deno's `terminate()` cannot stop), count it,
 * take the mutex (with its thread id, the typed API's default owner), mark
 * itself inside a critical section, unlock. The main thread keeps four
 * victims alive, reaps the oldest (reap, then terminate) at a random point,
 * and starts another; every eighth it reaps as soon as it has attached. Releasers release one unit whenever the count is
 * below 2, so victims block as often as they run.
 *
 * What must hold:
 * - every victim stops with ESRCH (a blocked one is woken by the reap;
 *   an infinite wait never times out);
 * - count at the end = units released - units the victims reported taken
 *   (a unit granted to a wait the victim had not returned from is given
 *   back by the reap, never lost);
 * - a victim that acquires the mutex without "abandoned" never finds a
 *   living victim inside, and none enters while a living one is inside
 *   (a reaped victim still inside is what "abandoned" reports).
 *
 * @module
 */

import assert from "node:assert/strict";
import { openDevice } from "../../core/api/device.ts";
import { Errno } from "../../uapi/errno.ts";
import { backendsUnderTest } from "../_backends.ts";
import {
  ABANDONED,
  ENTERED,
  ERRNO_AT,
  REAPED_AT,
  RELEASED,
  STATE_AT,
  STOP,
  TAKEN,
  VICTIM_WORDS,
  VIOLATIONS,
} from "../reap/_jobs.ts";
import { Reaped, sleep } from "../reap/_peer.ts";
import { withTimeout } from "./_harness.ts";

/** Victims alive at once. */
const ALIVE = 4;

/** NTSYNC_REAP_CYCLES, else 200 (24 in the qemu VM, where Workers start slowly). */
function cycles(): number {
  const raw = Deno.env.get("NTSYNC_REAP_CYCLES");
  if (raw) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 1024) {
      throw new Error(`NTSYNC_REAP_CYCLES must be in [1, 1024], got ${raw}`);
    }
    return n;
  }
  return Deno.env.get("NTSYNC_KERNEL_VM") ? 24 : 200;
}

for (const backend of backendsUnderTest()) {
  const n = cycles();
  Deno.test(`${backend.kind}: stress: ${n} Workers reaped and terminated mid-loop while others release: counts exact, mutual exclusion held`, async () => {
    using dev = openDevice(backend);
    using sem = dev.createSemaphore(0, 0x7fff_ffff);
    using m = dev.createMutex();
    const buffer = new SharedArrayBuffer(VICTIM_WORDS * 4);
    const w = new Int32Array(buffer);
    const releasers: Reaped[] = [];
    const live: { v: Reaped; index: number }[] = [];
    let started = 0;
    /** Thread id → who, for the failure messages. */
    const owners = new Map<number, string>([[dev.threadId, "the main thread"]]);
    const reapOldest = () => {
      const { v, index } = live.shift()!;
      return reapVictim(v, index, true);
    };
    /** Reap it (mid-loop, or as soon as it has attached), then terminate it. */
    const reapVictim = async (v: Reaped, index: number, midLoop: boolean) => {
      // Mid-loop, as meant: wait until its loop has begun (its job message
      // runs late under qemu TCG).
      const begun = Date.now() + 60_000;
      while (midLoop && Atomics.load(w, STATE_AT + index) === 0) {
        assert.ok(Date.now() < begun, `victim ${index} never began its loop`);
        await sleep(1);
      }
      if (midLoop) await sleep(Math.random() * 5);
      Atomics.store(w, REAPED_AT + index, 1); // before: see the victim's check
      dev.reap(v.token);
      // Reap, then terminate once its next call has failed ESRCH: a victim
      // napping in Atomics.wait can be killed by terminate() there (V8
      // interrupts the wait), and would never report how it stopped.
      const stopped = Date.now() + 60_000;
      while (Atomics.load(w, STATE_AT + index) !== 2) {
        assert.ok(Date.now() < stopped, `victim ${index} never stopped`);
        await sleep(1);
      }
      v.worker.terminate();
    };
    try {
      for (let i = 0; i < 2; i++) {
        const r = await Reaped.start(dev, {
          kind: "releaser",
          sem: sem.fd,
          words: buffer,
        });
        owners.set(r.threadId, `releaser ${i}`);
        releasers.push(r);
      }
      for (; started < n; started++) {
        const v = await Reaped.start(dev, {
          kind: "victim",
          index: started,
          poll: started % 2 === 1,
          sem: sem.fd,
          mutex: m.fd,
          words: buffer,
        });
        owners.set(v.threadId, `victim ${started}`);
        // Every eighth is reaped as soon as it has attached: usually before
        // its first call (adopting the objects), which fails ESRCH too.
        if (started % 8 === 7) {
          await reapVictim(v, started, false);
          continue;
        }
        live.push({ v, index: started });
        if (live.length > ALIVE) await reapOldest();
      }
      while (live.length > 0) await reapOldest();
      Atomics.store(w, STOP, 1);
      for (const r of releasers) {
        const end = await withTimeout(r.next(), 60_000, "releaser stopped");
        assert.equal(end.kind, "ended");
      }
    } finally {
      Atomics.store(w, STOP, 1);
      for (const { v } of live) v.worker.terminate();
      for (const r of releasers) r.worker.terminate();
    }

    // Every victim stops, each with ESRCH (its loop runs on after
    // terminate() until a call fails).
    const deadline = Date.now() + 60_000;
    for (let i = 0; i < started; i++) {
      while (Atomics.load(w, STATE_AT + i) !== 2) {
        assert.ok(Date.now() < deadline, `victim ${i} never stopped`);
        await sleep(10);
      }
      assert.equal(Atomics.load(w, ERRNO_AT + i), Errno.ESRCH, `victim ${i}`);
    }
    assert.equal(Atomics.load(w, VIOLATIONS), 0, "violations (see stderr)");
    const released = Atomics.load(w, RELEASED), taken = Atomics.load(w, TAKEN);
    assert.ok(taken > 0, "victims took units");
    assert.deepEqual(sem.read(), { count: released - taken, max: 0x7fff_ffff });
    const state = m.read();
    const holder = owners.get(state.owner);
    assert.equal(
      state.owner,
      0,
      `the mutex is free or abandoned, not held (count ${state.count}) by ${
        holder ?? "no thread of this test"
      }`,
    );
    console.log(
      `${backend.kind}: ${started} victims reaped; ${released} released, ` +
        `${taken} taken, ${Atomics.load(w, ENTERED)} critical sections, ` +
        `${Atomics.load(w, ABANDONED)} entered abandoned`,
    );
  });
}
