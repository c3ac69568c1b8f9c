/**
 * The emulated device's shared state: the top of the engine.
 *
 * The engine runs the algorithm of the kernel's `drivers/misc/ntsync.c` in
 * one `SharedArrayBuffer` that every attached Worker sees. `README.md` in
 * this directory maps each of the driver's functions (`setup_wait()`,
 * `try_wake_all()`, `try_wake_any_sem()`, ...) to the engine's, and names
 * the file each lives in; `layout.ts` says which lock or protocol guards
 * each shared word.
 *
 * `SharedState` is built in layers, one file each: `JournaledMemory`
 * (journal.ts: the device lock and its undo journal), `DeviceTables`
 * (tables.ts: fds, instances, objects, wait records), `WaitQueues`
 * (queues.ts: the wait queues and the wake algorithm), and this class
 * (a fresh device's layout, and reap).
 *
 * Every method runs with the device lock held (see `lockDevice`), except
 * those that say otherwise (`looksSignaled`, `looksQueued`, `objectAt`,
 * `freeRecord`, the fd reads fast.ts uses). The lock plays the part of the
 * kernel's object spinlocks and its `wait_all_lock` at once: operations on
 * one object are totally ordered, and wait-all acquisitions are atomic
 * over all their objects.
 *
 * A wait is a record with one entry per object (the alert last), linked into
 * each object's any- or all-waiter queue. Whoever makes a record satisfiable
 * claims it: acquires the objects on the waiter's behalf, unlinks its entries
 * and stores the index into the record's state word, then notifies. The
 * waiter's result is decided only by that word, as by the kernel's
 * `q->signaled` (docs/semantics.md#who-is-woken-in-what-order).
 *
 * @module
 */

import {
  type Capacities,
  E_OBJ,
  E_PREV,
  EVENT_MANUAL,
  FD_RESERVED,
  FD_WORDS,
  FIRST_FD,
  H_CLOCK_BASE_F64,
  H_FD_CAP,
  H_FD_HINT,
  H_INST_CAP,
  H_INST_FREE,
  H_MAGIC,
  H_OBJ_CAP,
  H_OBJ_FREE,
  H_OBJ_HWM,
  H_REC_CAP,
  H_REC_HWM,
  MAGIC,
  MUTEX_ABANDONED,
  MUTEX_COUNT,
  MUTEX_OWNER,
  O_GEN,
  O_TYPE,
  R_COUNT,
  R_KIND,
  R_OWNER,
  R_STATE,
  R_THREAD,
  sections,
  SEM_COUNT,
  SEM_MAX,
  T_MUTEX,
  T_SEM,
  WAIT_KIND_ALL,
  WAIT_KIND_ANY,
} from "./layout.ts";
import { WaitQueues } from "./queues.ts";

export { injectCrashAfter, InjectedCrash } from "./journal.ts";

const NONE = -1;

/**
 * One device's shared state as one thread sees it: the journaled memory
 * (journal.ts), its tables (tables.ts), the wait queues (queues.ts), and
 * reap.
 */
export class SharedState extends WaitQueues {
  private constructor(buffer: SharedArrayBuffer) {
    super(buffer);
  }

  /** Lay out a fresh device. */
  static create(caps: Capacities, clockBaseMs: number): SharedState {
    const instCap = caps.maxFds + caps.maxObjects;
    const sec = sections(caps.maxFds, caps.maxObjects, caps.maxWaits, instCap);
    const buffer = new SharedArrayBuffer(sec.totalWords * 4);
    const u32 = new Uint32Array(buffer);
    const i32 = new Int32Array(buffer);
    u32[H_FD_CAP] = caps.maxFds;
    u32[H_OBJ_CAP] = caps.maxObjects;
    u32[H_REC_CAP] = caps.maxWaits;
    u32[H_INST_CAP] = instCap;
    i32[H_OBJ_FREE] = NONE;
    i32[H_INST_FREE] = NONE;
    u32[H_FD_HINT] = FIRST_FD;
    for (let fd = 0; fd < FIRST_FD; fd++) {
      u32[sec.fd + fd * FD_WORDS] = FD_RESERVED;
    }
    new Float64Array(buffer)[H_CLOCK_BASE_F64] = clockBaseMs;
    Atomics.store(u32, H_MAGIC, MAGIC);
    return new SharedState(buffer);
  }

  /** Views over a device another thread created. */
  static attach(buffer: SharedArrayBuffer): SharedState {
    return new SharedState(buffer);
  }

  /**
   * Take the record holding `ticket` from its waiter, under the lock: its
   * ticket's kind is cleared at once (journaled: undone with the section),
   * so that the waiter's own freeRecord fails from now on, and the record
   * is freed at commit. False if the ticket was no longer current.
   */
  #takeRecord(rec: number, ticket: number): boolean {
    const free = ticket & ~3;
    if (!this.writeIfEqual(this.recordAt(rec) + R_KIND, ticket, free)) {
      return false;
    }
    this.freeAtCommit(rec, free);
    return true;
  }

  /**
   * Reap `thread` (its calls already fail ESRCH, see EmulatedBackend#reap):
   *
   * 1. every wait of it still queued is withdrawn, so that nothing below
   *    can be granted to it;
   * 2. each of its records is taken from it (the ticket's compare-and-swap
   *    decides against a waiter freeing it at the same moment) and freed;
   *    what a claim had acquired for a record taken here is given back, as
   *    if the wait had never been claimed: the waiter gets ESRCH, never the
   *    object, and no unit is lost;
   * 3. every mutex owned by one of `owners` (int32s) is abandoned, as
   *    MUTEX_KILL does;
   * 4. every object is pinned, so its version changes at unlock: a fast
   *    path of the reaped thread that read its word before it saw the
   *    revocation can no longer swap it (fast.ts, fast_mutex.ts,
   *    fast_sem.ts).
   *
   * Returns how many records were taken.
   */
  reapThread(thread: number, owners: Int32Array): number {
    const u32 = this.u32, i32 = this.i32, hwm = u32[H_REC_HWM];
    for (let rec = 0; rec < hwm; rec++) {
      const at = this.recordAt(rec);
      if ((Atomics.load(i32, at + R_KIND) & 3) === 0) continue;
      if (u32[at + R_THREAD] === thread) this.withdraw(rec);
    }
    let reaped = 0;
    for (let rec = 0; rec < hwm; rec++) {
      const at = this.recordAt(rec);
      const ticket = Atomics.load(i32, at + R_KIND);
      if ((ticket & 3) === 0 || u32[at + R_THREAD] !== thread) continue;
      // Taken now (the compare-and-swap decides against its waiter), freed
      // at commit; undone with the rest if the reap is cut short.
      if (!this.#takeRecord(rec, ticket)) continue; // its waiter was first
      reaped++;
      const state = Atomics.load(i32, at + R_STATE);
      if (state >= 0) this.#giveBack(rec, ticket & 3, state);
    }
    const objHwm = u32[H_OBJ_HWM];
    for (let obj = 0; obj < objHwm; obj++) {
      const o = this.objectAt(obj);
      const type = u32[o + O_TYPE];
      // Pinned: see 4 (and a mutex's fast-form owner is in MUTEX_OWNER now).
      this.pinObject(obj);
      if (type !== T_MUTEX || i32[o + MUTEX_OWNER] === 0) continue;
      if (!owners.includes(i32[o + MUTEX_OWNER])) continue;
      this.write(o + MUTEX_OWNER, 0);
      this.write(o + MUTEX_COUNT, 0);
      this.write(o + MUTEX_ABANDONED, 1);
      this.wake(obj);
    }
    return reaped;
  }

  /**
   * Remove the waits whose waiters left them through an exception (see
   * R_ORPHAN): withdrawn, and freed at commit. Returns how many.
   */
  dropOrphans(): number {
    const hwm = this.u32[H_REC_HWM];
    let dropped = 0;
    for (let rec = 0; rec < hwm; rec++) {
      const at = this.recordAt(rec);
      if ((this.i32[at + R_KIND] & 3) === 0 || !this.orphaned(at)) continue;
      this.dropOrphan(rec);
      dropped++;
    }
    return dropped;
  }

  /** Undo what the claim of `rec` (a wait of `kind`, claimed with `index`) acquired. */
  #giveBack(rec: number, kind: number, index: number): void {
    const at = this.recordAt(rec), owner = this.i32[at + R_OWNER];
    const count = this.u32[at + R_COUNT];
    if (kind === WAIT_KIND_ALL && index < count) {
      for (let i = 0; i < count; i++) this.#giveBackEntry(rec, i, owner);
    } else if (kind === WAIT_KIND_ALL || kind === WAIT_KIND_ANY) {
      this.#giveBackEntry(rec, index, owner);
    }
  }

  #giveBackEntry(rec: number, index: number, owner: number): void {
    const u32 = this.u32, i32 = this.i32, ent = this.entryAt(rec, index);
    const obj = i32[ent + E_OBJ], kept = i32[ent + E_PREV];
    const o = this.pinObject(obj);
    // Closed (and maybe reused) since: what was acquired went with it.
    if (u32[o + O_TYPE] === 0 || ((u32[o + O_GEN] << 1) | 0) !== (kept & ~1)) {
      return;
    }
    switch (u32[o + O_TYPE]) {
      case T_SEM:
        if (u32[o + SEM_COUNT] >= u32[o + SEM_MAX]) return; // released to max since
        this.write(o + SEM_COUNT, u32[o + SEM_COUNT] + 1);
        break;
      case T_MUTEX: {
        if (i32[o + MUTEX_OWNER] !== owner || u32[o + MUTEX_COUNT] === 0) {
          return;
        }
        const count = u32[o + MUTEX_COUNT] - 1;
        this.write(o + MUTEX_COUNT, count);
        if (count === 0) {
          this.write(o + MUTEX_OWNER, 0);
          if (kept & 1) this.write(o + MUTEX_ABANDONED, 1); // it was abandoned: still is
        }
        break;
      }
      default:
        if (u32[o + EVENT_MANUAL] !== 0) return; // manual-reset: nothing was taken
        this.setEventSignaled(o, true);
    }
    this.wake(obj);
  }
}
