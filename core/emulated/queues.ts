/**
 * The wait queues and the kernel's wake algorithm, under the device lock:
 * queueing a wait's entries on its objects, trying wait-all and wait-any
 * waiters when an object may have become signaled, claiming a wait for its
 * waiter, and withdrawing one (see the table in README.md for the kernel
 * function each follows).
 *
 * @module
 */

import {
  E_NEXT,
  E_OBJ,
  E_PREV,
  E_QUEUE,
  ENT_WORDS,
  ENTRIES_PER_REC,
  H_INSTS_LIVE,
  H_OBJS_LIVE,
  MUTEX_COUNT,
  MUTEX_OWNER,
  O_ALL_HEAD,
  O_ALL_HINT,
  O_ANY_HEAD,
  O_GEN,
  O_REFS,
  O_TYPE,
  PENDING,
  R_COUNT,
  R_DEAD,
  R_KIND,
  R_ORPHAN,
  R_OWNER,
  R_STATE,
  R_THREAD,
  R_TOTAL,
  REAPED,
  SEM_COUNT,
  SLEEPING,
  T_EVENT,
  T_SEM,
  WAIT_KIND_ALL,
  WITHDRAWN,
} from "./layout.ts";
import {
  ALL_ACQUIRED,
  ALL_ACQUIRED_ABANDONED,
  NOT_ALL_SIGNALED,
} from "./results.ts";
import { DeviceTables } from "./tables.ts";

const U32_MAX = 0xffffffff;
const NONE = -1;
const QUEUE_ANY = 1;
const QUEUE_ALL = 2;

/** Wait queues on the objects of one device, and the wake algorithm. */
export abstract class WaitQueues extends DeviceTables {
  /** tryWakeAll: which of the claimed wait-all's mutexes were abandoned. */
  readonly #deadAt = new Uint8Array(ENTRIES_PER_REC);

  /**
   * Queue a wait of `thread`: `objs` (object ids) for a wait of `kind`, the
   * alert (if not -1) last. Takes a reference on every object, as
   * `setup_wait()`'s `get_obj()` does (docs/semantics.md#close-during-a-wait).
   * Returns the record's ticket, which its waiter frees it with.
   */
  enqueue(
    rec: number,
    kind: number,
    owner: number,
    objs: Int32Array,
    count: number,
    alert: number,
    thread: number,
  ): number {
    const i32 = this.i32, at = this.recordAt(rec);
    this.write(at + R_STATE, PENDING);
    this.write(at + R_OWNER, owner);
    this.write(at + R_COUNT, count);
    this.write(at + R_TOTAL, alert === NONE ? count : count + 1);
    this.write(at + R_DEAD, 0);
    this.write(at + R_THREAD, thread);
    this.write(at + R_ORPHAN, 0);
    const queue = kind === WAIT_KIND_ALL ? QUEUE_ALL : QUEUE_ANY;
    for (let i = 0; i < count; i++) this.link(rec, i, objs[i], queue);
    if (alert !== NONE) this.link(rec, count, alert, QUEUE_ANY);
    const generation = (i32[at + R_KIND] >>> 2) + 1;
    const ticket = ((generation << 2) | kind) & 0x7fff_ffff;
    this.writeAtomic(at + R_KIND, ticket);
    return ticket;
  }

  private link(rec: number, index: number, obj: number, queue: number): void {
    const i32 = this.i32,
      u32 = this.u32,
      ent = this.entryAt(rec, index),
      id = rec * ENTRIES_PER_REC + index;
    const o = this.pinObject(obj);
    const head = queue === QUEUE_ALL ? O_ALL_HEAD : O_ANY_HEAD;
    const tail = head + 1;
    this.write(ent + E_OBJ, obj);
    this.write(ent + E_QUEUE, queue);
    this.write(ent + E_NEXT, NONE);
    const last = i32[o + tail];
    this.write(ent + E_PREV, last);
    if (last === NONE) this.write(o + head, id);
    else this.write(this.entryAtId(last) + E_NEXT, id);
    this.write(o + tail, id);
    if (queue === QUEUE_ALL) {
      this.write(o + O_ALL_HINT, u32[o + O_ALL_HINT] + 1);
    }
    this.write(o + O_REFS, u32[o + O_REFS] + 1);
  }

  private entryAtId(id: number): number {
    return this.sec.ent + id * ENT_WORDS;
  }

  /** Unlink an entry from its queue. Its E_NEXT is kept, for walkers (see walk). */
  private unlink(id: number): void {
    const i32 = this.i32, ent = this.entryAtId(id);
    const queue = i32[ent + E_QUEUE];
    if (queue === 0) return;
    const o = this.pinObject(i32[ent + E_OBJ]);
    const head = queue === QUEUE_ALL ? O_ALL_HEAD : O_ANY_HEAD;
    const prev = i32[ent + E_PREV], next = i32[ent + E_NEXT];
    if (prev === NONE) this.write(o + head, next);
    else this.write(this.entryAtId(prev) + E_NEXT, next);
    if (next === NONE) this.write(o + head + 1, prev);
    else this.write(this.entryAtId(next) + E_PREV, prev);
    this.write(ent + E_QUEUE, 0);
    if (queue === QUEUE_ALL) {
      this.write(o + O_ALL_HINT, this.u32[o + O_ALL_HINT] - 1);
    }
  }

  /** Unlink every entry of `rec` and drop its object references. */
  private dequeue(rec: number): void {
    const total = this.u32[this.recordAt(rec) + R_TOTAL];
    const base = rec * ENTRIES_PER_REC;
    for (let i = 0; i < total; i++) this.unlink(base + i);
    for (let i = 0; i < total; i++) {
      this.objectUnref(this.i32[this.entryAtId(base + i) + E_OBJ]);
    }
  }

  /**
   * Hand the wait its result and wake it (docs/semantics.md#who-is-woken-in-what-order). `all`: a
   * wait-all acquired all its objects (abandoned ones flagged in #deadAt).
   * Each acquired entry keeps what reap needs to give it back.
   */
  private claim(rec: number, index: number, dead: boolean, all = false): void {
    const at = this.recordAt(rec);
    this.write(at + R_DEAD, dead ? 1 : 0);
    this.dequeue(rec);
    if (all) {
      const count = this.u32[at + R_COUNT];
      for (let i = 0; i < count; i++) this.#keep(rec, i, this.#deadAt[i] === 1);
    } else this.#keep(rec, index, dead);
    this.settleAtCommit(at + R_STATE, index);
  }

  /** Note in an acquired, unlinked entry which object it acquired (E_PREV). */
  #keep(rec: number, index: number, dead: boolean): void {
    const ent = this.entryAt(rec, index);
    const obj = this.i32[ent + E_OBJ];
    const gen = this.u32[this.objectAt(obj) + O_GEN];
    this.write(ent + E_PREV, (gen << 1) | (dead ? 1 : 0));
  }

  /**
   * Did the record's waiter leave it through an exception (R_ORPHAN holds
   * its current ticket)? Then nobody will take what a claim acquires.
   */
  protected orphaned(at: number): boolean {
    return this.i32[at + R_ORPHAN] === Atomics.load(this.i32, at + R_KIND);
  }

  /** Withdraw an orphaned record's wait and free the record (at commit). */
  protected dropOrphan(rec: number): void {
    const at = this.recordAt(rec), ticket = this.i32[at + R_KIND];
    this.withdraw(rec);
    this.freeAtCommit(rec, ticket);
  }

  /**
   * The waiter gives up (timeout, abort): withdraw its entries if nobody has
   * claimed it. Returns the state: WITHDRAWN, or the claimed index. The
   * result is stored in the record when the lock's holder commits (a
   * claim's is too, so that an operation cut short publishes nothing).
   */
  withdraw(rec: number): number {
    const at = this.recordAt(rec);
    const state = Atomics.load(this.i32, at + R_STATE);
    if (state !== PENDING && state !== SLEEPING) return state;
    this.dequeue(rec);
    this.settleAtCommit(at + R_STATE, WITHDRAWN);
    return WITHDRAWN;
  }

  /**
   * As `withdraw`, by the waiter holding `ticket`: REAPED if the record is
   * no longer its own (reap took it, and it may be someone else's now).
   */
  withdrawOwn(rec: number, ticket: number): number {
    if (Atomics.load(this.i32, this.recordAt(rec) + R_KIND) !== ticket) {
      return REAPED;
    }
    return this.withdraw(rec);
  }

  // ---- the wait algorithm -----------------------------------------------

  /**
   * Try a wait-all's objects at once, as `try_wake_all()` does at wait
   * start (docs/semantics.md#wait-all-atomicity): all signaled, then all
   * acquired (ALL_ACQUIRED, or ALL_ACQUIRED_ABANDONED with an abandoned
   * mutex among them), else NOT_ALL_SIGNALED and nothing changed.
   */
  tryAcquireAll(objs: Int32Array, count: number, owner: number): number {
    for (let i = 0; i < count; i++) {
      if (!this.isSignaled(objs[i], owner)) return NOT_ALL_SIGNALED;
    }
    let got = ALL_ACQUIRED;
    for (let i = 0; i < count; i++) {
      if (this.acquire(objs[i], owner)) got = ALL_ACQUIRED_ABANDONED;
    }
    return got;
  }

  private tryWakeAll(rec: number): void {
    const u32 = this.u32, i32 = this.i32, at = this.recordAt(rec);
    if (this.orphaned(at)) {
      this.dropOrphan(rec);
      return;
    }
    const count = u32[at + R_COUNT], owner = i32[at + R_OWNER];
    const base = rec * ENTRIES_PER_REC;
    for (let i = 0; i < count; i++) {
      if (!this.isSignaled(i32[this.entryAtId(base + i) + E_OBJ], owner)) {
        return;
      }
    }
    let dead = false;
    const deadAt = this.#deadAt;
    for (let i = 0; i < count; i++) {
      const was = this.acquire(i32[this.entryAtId(base + i) + E_OBJ], owner);
      deadAt[i] = was ? 1 : 0;
      if (was) dead = true;
    }
    this.claim(rec, 0, dead, true);
  }

  /** The entry after `id`, skipping entries unlinked meanwhile by a claim. */
  private nextLinked(id: number): number {
    let next = this.i32[this.entryAtId(id) + E_NEXT];
    while (next !== NONE && this.i32[this.entryAtId(next) + E_QUEUE] === 0) {
      next = this.i32[this.entryAtId(next) + E_NEXT];
    }
    return next;
  }

  /**
   * `obj` may have become signaled: serve its wait-all waiters first, then
   * its wait-any waiters, each queue in FIFO order: `try_wake_all_obj()`,
   * then `try_wake_any_sem()`/`_mutex()`/`_event()`
   * (docs/semantics.md#who-is-woken-in-what-order).
   */
  wake(obj: number): void {
    const u32 = this.u32, i32 = this.i32, o = this.pinObject(obj);
    if (u32[o + O_ALL_HINT] !== 0) {
      for (let id = i32[o + O_ALL_HEAD]; id !== NONE;) {
        const rec = (id / ENTRIES_PER_REC) | 0;
        this.tryWakeAll(rec);
        id = this.nextLinked(id);
      }
    }
    const type = u32[o + O_TYPE];
    for (let id = i32[o + O_ANY_HEAD]; id !== NONE;) {
      const rec = (id / ENTRIES_PER_REC) | 0;
      const at = this.recordAt(rec), owner = i32[at + R_OWNER];
      if (type === T_SEM) {
        if (u32[o + SEM_COUNT] === 0) break;
      } else if (type === T_EVENT) {
        if (!this.eventSignaled(o)) break;
      } else {
        if (u32[o + MUTEX_COUNT] === U32_MAX) break;
        const holder = i32[o + MUTEX_OWNER];
        if (holder !== 0 && holder !== owner) {
          id = this.nextLinked(id);
          continue;
        }
      }
      if (this.orphaned(at)) this.dropOrphan(rec);
      else {
        const dead = this.acquire(obj, owner);
        this.claim(rec, id - rec * ENTRIES_PER_REC, dead);
      }
      id = this.nextLinked(id);
    }
  }

  // ---- inspection (tests, leak checks) ----------------------------------

  /** Counts of live records, objects and instances. */
  census(): { waits: number; objects: number; instances: number } {
    return {
      waits: this.recordsInUse(),
      objects: this.u32[H_OBJS_LIVE],
      instances: this.u32[H_INSTS_LIVE],
    };
  }
}
