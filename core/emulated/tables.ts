/**
 * The emulated device's tables, under the device lock: the fd table, the
 * instances (one per open of the device), the objects with their per-kind
 * state, and the wait records' allocation. The kernel keeps these in
 * `struct file`s and `kmalloc()`ed structs; here they are slots in shared
 * memory (layout.ts).
 *
 * @module
 */

import {
  ENT_WORDS,
  ENTRIES_PER_REC,
  EV_PINNED,
  EV_SIGNALED,
  EV_VERSION,
  EVENT_MANUAL,
  EVENT_STATE,
  FD_DEVICE,
  FD_FREE,
  FD_OBJECT,
  FD_WORDS,
  H_FD_HINT,
  H_INST_FREE,
  H_INST_HWM,
  H_INSTS_LIVE,
  H_OBJ_FREE,
  H_OBJ_HWM,
  H_OBJS_LIVE,
  H_REC_FREE,
  H_REC_HWM,
  H_REC_SPARE,
  H_RECS_FREED,
  H_RECS_TAKEN,
  INST_WORDS,
  MUTEX_ABANDONED,
  MUTEX_COUNT,
  MUTEX_OWNER,
  MX_SLOT,
  MX_SLOT_SHIFT,
  MX_SLOTS,
  MX_VERSION,
  O_ALL_HEAD,
  O_ALL_HINT,
  O_ALL_TAIL,
  O_ANY_HEAD,
  O_ANY_TAIL,
  O_GEN,
  O_INST,
  O_NEXT,
  O_REFS,
  O_TYPE,
  OBJ_WORDS,
  R_KIND,
  R_NEXT,
  REC_WORDS,
  SEM_COUNT,
  SEM_FAST,
  SEM_FAST_MAX,
  SEM_MAX,
  T_EVENT,
  T_MUTEX,
  T_SEM,
} from "./layout.ts";
import { Errno } from "../../uapi/errno.ts";
import { JournaledMemory } from "./journal.ts";
import { addOwner, RECLAIM_AFTER } from "./owners.ts";
import { IntList } from "./int_list.ts";

const U32_MAX = 0xffffffff;

/** Is `fd` a number an fd can be (a non-negative int32)? Else EBADF. */
export function isFd(fd: number): boolean {
  return typeof fd === "number" && (fd | 0) === fd && fd >= 0;
}

const NONE = -1;

/** The fd table, instances, objects and wait records of one device. */
export abstract class DeviceTables extends JournaledMemory {
  // ---- fd table -------------------------------------------------------

  /** Kind of `fd` (FD_FREE for anything out of range). */
  fdKind(fd: number): number {
    if (fd < 0 || fd >= this.fdCap) return FD_FREE;
    return this.u32[this.sec.fd + fd * FD_WORDS];
  }

  /** What `fd` refers to (instance or object id). */
  fdRef(fd: number): number {
    return this.u32[this.sec.fd + fd * FD_WORDS + 1];
  }

  /** The lowest free fd, or -1 when the table is full (EMFILE). */
  private lowestFreeFd(): number {
    const u32 = this.u32, base = this.sec.fd;
    for (let fd = u32[H_FD_HINT]; fd < this.fdCap; fd++) {
      if (u32[base + fd * FD_WORDS] === FD_FREE) {
        this.write(H_FD_HINT, fd + 1);
        return fd;
      }
    }
    this.write(H_FD_HINT, this.fdCap);
    return NONE;
  }

  private setFd(fd: number, kind: number, ref: number): void {
    const at = this.sec.fd + fd * FD_WORDS;
    this.write(at, kind);
    this.write(at + 1, ref);
  }

  private freeFd(fd: number): void {
    this.setFd(fd, FD_FREE, 0);
    if (fd < this.u32[H_FD_HINT]) this.write(H_FD_HINT, fd);
  }

  // ---- instances ------------------------------------------------------

  /**
   * Open a new instance (`ntsync_char_open()`): its fd, or -EMFILE (fd
   * table full) or -ENOMEM (instance table full).
   */
  openInstance(): number {
    const fd = this.lowestFreeFd();
    if (fd < 0) return -Errno.EMFILE;
    const u32 = this.u32, i32 = this.i32;
    let id = i32[H_INST_FREE];
    if (id !== NONE) {
      this.write(H_INST_FREE, i32[this.sec.inst + id * INST_WORDS + 1]);
    } else if (u32[H_INST_HWM] < this.instCap) {
      id = u32[H_INST_HWM];
      this.write(H_INST_HWM, id + 1);
    } else {
      this.write(H_FD_HINT, Math.min(u32[H_FD_HINT], fd));
      return -Errno.ENOMEM;
    }
    this.write(this.sec.inst + id * INST_WORDS, 1);
    this.write(H_INSTS_LIVE, u32[H_INSTS_LIVE] + 1);
    this.setFd(fd, FD_DEVICE, id);
    return fd;
  }

  private instanceUnref(id: number): void {
    const u32 = this.u32, at = this.sec.inst + id * INST_WORDS;
    const refs = u32[at] - 1;
    this.write(at, refs);
    if (refs === 0) {
      this.write(at + 1, u32[H_INST_FREE]);
      this.write(H_INST_FREE, id);
      this.write(H_INSTS_LIVE, u32[H_INSTS_LIVE] - 1);
    }
  }

  /** Close `fd`; false if it is not an open ntsync fd (EBADF). */
  closeFd(fd: number): boolean {
    const kind = this.fdKind(fd);
    if (kind === FD_DEVICE) {
      const id = this.fdRef(fd);
      this.freeFd(fd);
      this.instanceUnref(id);
      return true;
    }
    if (kind === FD_OBJECT) {
      const obj = this.fdRef(fd);
      this.freeFd(fd);
      this.objectUnref(obj);
      return true;
    }
    return false;
  }

  // ---- objects --------------------------------------------------------

  /** Word offset of object `obj` (no lock needed, nothing changed). */
  objectAt(obj: number): number {
    return this.sec.obj + obj * OBJ_WORDS;
  }

  /**
   * Word offset of object `obj`, which this lock holder is about to look
   * at or change: it is pinned first, so that no lock-free path (fast.ts,
   * fast_mutex.ts, fast_sem.ts) changes it until `unlockDevice` (which
   * unpins it with a new version). The device lock keeps every other
   * thread's locked code off it; pinning extends that to the lock-free
   * paths, so that together they do what `ntsync_lock_obj()` does in
   * drivers/misc/ntsync.c. Only under the device lock.
   */
  pinObject(obj: number): number {
    const at = this.sec.obj + obj * OBJ_WORDS, type = this.u32[at + O_TYPE];
    // Only the lock holder sets or clears the pin, so a plain read tells
    // whether this holder has pinned the object already.
    if (type !== 0 && (this.i32[at + EVENT_STATE] & EV_PINNED) === 0) {
      this.pinWord(at + EVENT_STATE);
      if (type !== T_EVENT) this.#takeFastForm(at, type);
    }
    return at;
  }

  /**
   * The mutex or semaphore at `at`, just pinned: what a fast path keeps in
   * its word (a mutex's owner, MX_SLOT; a semaphore's count, SEM_FAST)
   * moves into the fields the locked code reads and changes. Not undone by
   * hand: the journal restores them and the pinned word as they were.
   */
  #takeFastForm(at: number, type: number): void {
    const word = this.i32[at + EVENT_STATE];
    // The same bits (layout.ts): a mutex's owner slot, a semaphore's count.
    const field = (word & MX_SLOT) >>> MX_SLOT_SHIFT;
    this.#pinnedCounted.push(at);
    if (field === 0) return;
    if (type === T_MUTEX) {
      this.write(at + MUTEX_OWNER, this.i32[this.sec.own + field]);
      this.write(at + MUTEX_COUNT, 1);
    } else this.write(at + SEM_COUNT, field);
    this.storePinned(at + EVENT_STATE, word & ~MX_SLOT);
  }

  /** Mutexes and semaphores pinned since the last commit (word offsets). */
  readonly #pinnedCounted = new IntList();

  /**
   * Before commit: each mutex this holder pinned that is held once, by an
   * owner the registry has (or now gets) a slot for, and each semaphore
   * whose count is at most SEM_FAST_MAX, goes back to fast form, so that
   * the next unlock, release or wait on it needs no lock. Journaled, like
   * the section's other writes: a section cut short undoes it too.
   */
  protected override beforeCommit(): void {
    const list = this.#pinnedCounted;
    const i32 = this.i32, u32 = this.u32;
    let reclaimed = false;
    // (The list grows while this runs if the registry is emptied: every
    // mutex pinned then joins it, and gets its owner's slot back below.)
    for (let i = 0; i < list.length; i++) {
      const at = list.items[i], word = i32[at + EVENT_STATE];
      // Pinned now means pinned in this section (see #takeFastForm), and
      // not in fast form already.
      if ((word & EV_PINNED) === 0 || (word & MX_SLOT) !== 0) continue;
      let field: number;
      switch (u32[at + O_TYPE]) {
        case T_MUTEX:
          if (u32[at + MUTEX_COUNT] !== 1) continue;
          field = addOwner(i32, this.sec.own, i32[at + MUTEX_OWNER]);
          if (field === 0 && !reclaimed && this.#reclaimOwners()) {
            reclaimed = true;
            field = addOwner(i32, this.sec.own, i32[at + MUTEX_OWNER]);
          }
          if (field === 0) continue;
          this.write(at + MUTEX_OWNER, 0);
          this.write(at + MUTEX_COUNT, 0);
          break;
        case T_SEM:
          field = u32[at + SEM_COUNT];
          if (field === 0 || field > SEM_FAST_MAX) continue;
          this.write(at + SEM_COUNT, 0);
          break;
        default:
          continue; // freed in this section
      }
      this.storePinned(at + EVENT_STATE, word | (field << MX_SLOT_SHIFT));
    }
    list.length = 0;
  }

  /**
   * Empty the owner registry (owners.ts), if at least RECLAIM_AFTER owners
   * were added since it was last emptied; whether it was. Every live mutex
   * is pinned first (its owner moves out of the word, #takeFastForm), so no
   * word names a slot, and a lock-free swap a thread prepared with an old
   * slot fails on the version the commit gives each word; the commit then
   * gives the mutexes held once their owners' slots back (beforeCommit).
   * Journaled, like the section's other writes.
   */
  #reclaimOwners(): boolean {
    const i32 = this.i32, own = this.sec.own;
    if (i32[own] < RECLAIM_AFTER) return false;
    const objects = this.u32[H_OBJ_HWM];
    for (let obj = 0; obj < objects; obj++) {
      if (this.objectType(obj) === T_MUTEX) this.pinObject(obj);
    }
    for (let slot = 1; slot < MX_SLOTS; slot++) {
      if (i32[own + slot] !== 0) this.write(own + slot, 0);
    }
    this.write(own, 0);
    return true;
  }

  /** Object `obj`'s type, from a plain read (0: free). */
  objectType(obj: number): number {
    return this.u32[this.objectAt(obj) + O_TYPE];
  }

  /** Is the event at word offset `at` signaled? */
  eventSignaled(at: number): boolean {
    return (this.i32[at + EVENT_STATE] & EV_SIGNALED) !== 0;
  }

  /**
   * Signal or reset the (pinned) event at word offset `at`. Not journaled:
   * the pin's journal entry holds the whole word as it was before.
   */
  setEventSignaled(at: number, signaled: boolean): void {
    const v = this.i32[at + EVENT_STATE] & ~EV_SIGNALED;
    this.storePinned(at + EVENT_STATE, signaled ? v | EV_SIGNALED : v);
  }

  /**
   * Create an object in `instance` and give it the lowest free fd.
   * Returns the fd, or -EMFILE / -ENOMEM, leaving nothing behind.
   */
  createObject(instance: number, type: number, a: number, b: number): number {
    const u32 = this.u32, i32 = this.i32;
    let obj = i32[H_OBJ_FREE];
    if (obj !== NONE) {
      this.write(H_OBJ_FREE, i32[this.objectAt(obj) + O_NEXT]);
    } else if (u32[H_OBJ_HWM] < this.objCap) {
      obj = u32[H_OBJ_HWM];
      this.write(H_OBJ_HWM, obj + 1);
    } else {
      return -Errno.ENOMEM;
    }
    const fd = this.lowestFreeFd();
    if (fd < 0) {
      this.write(this.objectAt(obj) + O_NEXT, i32[H_OBJ_FREE]);
      this.write(H_OBJ_FREE, obj);
      return -Errno.EMFILE;
    }
    const at = this.objectAt(obj);
    // A new version for a new object: whatever a fast path remembers of the
    // slot's last object (freeing it gave a new version already) never
    // matches it.
    const ev = type !== T_EVENT
      ? (Atomics.load(i32, at + EVENT_STATE) & ~(MX_VERSION - 1)) + MX_VERSION
      : (Atomics.load(i32, at + EVENT_STATE) & ~(EV_PINNED | EV_SIGNALED)) +
        EV_VERSION;
    this.writeAtomic(
      at + EVENT_STATE,
      type === T_EVENT && b ? ev | EV_SIGNALED : ev | 0,
    );
    this.write(at + O_TYPE, type);
    this.write(at + O_INST, instance);
    this.write(at + O_REFS, 1);
    if (type === T_SEM) {
      this.write(at + SEM_COUNT, a);
      this.write(at + SEM_MAX, b);
    } else if (type === T_MUTEX) {
      this.write(at + MUTEX_OWNER, a);
      this.write(at + MUTEX_COUNT, b);
      this.write(at + MUTEX_ABANDONED, 0);
    } else this.write(at + EVENT_MANUAL, a); // `b` went into EVENT_STATE above
    this.write(at + O_ALL_HINT, 0);
    this.write(at + O_GEN, u32[at + O_GEN] + 1);
    this.write(at + O_ANY_HEAD, NONE);
    this.write(at + O_ANY_TAIL, NONE);
    this.write(at + O_ALL_HEAD, NONE);
    this.write(at + O_ALL_TAIL, NONE);
    const inst = this.sec.inst + instance * INST_WORDS;
    this.write(inst, u32[inst] + 1);
    this.write(H_OBJS_LIVE, u32[H_OBJS_LIVE] + 1);
    this.setFd(fd, FD_OBJECT, obj);
    return fd;
  }

  /**
   * Drop one reference; the last one frees the object, as the last `fput()`
   * of its file ends in `ntsync_free_obj()` (docs/semantics.md#close-during-a-wait).
   */
  objectUnref(obj: number): void {
    const u32 = this.u32, at = this.pinObject(obj);
    const refs = u32[at + O_REFS] - 1;
    this.write(at + O_REFS, refs);
    if (refs !== 0) return;
    const instance = u32[at + O_INST];
    this.write(at + O_TYPE, 0);
    this.write(at + O_NEXT, u32[H_OBJ_FREE]);
    this.write(H_OBJ_FREE, obj);
    this.write(H_OBJS_LIVE, u32[H_OBJS_LIVE] - 1);
    this.instanceUnref(instance);
  }

  /**
   * Is `obj` signaled for a waiter with this owner id? (`is_signaled()`)
   *
   * Owner ids travel through the engine as int32 (`owner | 0`, and read back
   * through `i32`): the same 32 bits, but to V8 a small integer, where a
   * uint32 from 2^31 up passed to a call it does not inline is a heap
   * number, i.e. an allocation per wait.
   */
  isSignaled(obj: number, owner: number): boolean {
    const u32 = this.u32, at = this.pinObject(obj);
    switch (u32[at + O_TYPE]) {
      case T_SEM:
        return u32[at + SEM_COUNT] !== 0;
      case T_MUTEX: {
        const holder = this.i32[at + MUTEX_OWNER];
        return (holder === 0 || holder === owner) &&
          u32[at + MUTEX_COUNT] !== U32_MAX;
      }
      default:
        return this.eventSignaled(at);
    }
  }

  /**
   * Are waiters queued on `obj`? A look without the lock, for a spin to
   * decide whether to poll at all: what is released there goes to them
   * first (as `try_wake_any_*()` in drivers/misc/ntsync.c hands it over).
   */
  looksQueued(obj: number): boolean {
    const at = this.objectAt(obj);
    return Atomics.load(this.i32, at + O_ANY_HEAD) !== NONE ||
      Atomics.load(this.u32, at + O_ALL_HINT) !== 0;
  }

  /**
   * `isSignaled` read without the lock, for a spinning waiter: a hint that
   * may already be stale, never a decision. Atomic loads, so that a polling
   * loop sees other threads' stores.
   */
  looksSignaled(obj: number, owner: number): boolean {
    const u32 = this.u32, at = this.objectAt(obj);
    switch (u32[at + O_TYPE]) { // stale only if freed: then start() decides
      case T_SEM:
        return Atomics.load(u32, at + SEM_COUNT) !== 0 ||
          (Atomics.load(this.i32, at + EVENT_STATE) & SEM_FAST) !== 0;
      case T_MUTEX: {
        const i32 = this.i32, word = Atomics.load(i32, at + EVENT_STATE);
        const slot = (word & MX_SLOT) >>> MX_SLOT_SHIFT;
        // In fast form: held once by the owner in the registry.
        if (slot !== 0) return i32[this.sec.own + slot] === owner;
        const holder = Atomics.load(i32, at + MUTEX_OWNER);
        return (holder === 0 || holder === owner) &&
          Atomics.load(u32, at + MUTEX_COUNT) !== U32_MAX;
      }
      case T_EVENT:
        return (Atomics.load(this.i32, at + EVENT_STATE) & EV_SIGNALED) !== 0;
      default:
        return false; // freed meanwhile: start() will see why
    }
  }

  /** Acquire a signaled `obj` for `owner`; true if it was an abandoned mutex. */
  acquire(obj: number, owner: number): boolean {
    const u32 = this.u32, at = this.pinObject(obj);
    switch (u32[at + O_TYPE]) {
      case T_SEM:
        this.write(at + SEM_COUNT, u32[at + SEM_COUNT] - 1);
        return false;
      case T_MUTEX: {
        this.write(at + MUTEX_OWNER, owner);
        this.write(at + MUTEX_COUNT, u32[at + MUTEX_COUNT] + 1);
        if (u32[at + MUTEX_ABANDONED] === 0) return false;
        this.write(at + MUTEX_ABANDONED, 0);
        return true;
      }
      default:
        if (u32[at + EVENT_MANUAL] === 0) this.setEventSignaled(at, false); // auto-reset
        return false;
    }
  }

  // ---- wait records ---------------------------------------------------

  /** Word offset of record `rec`. */
  recordAt(rec: number): number {
    return this.sec.rec + rec * REC_WORDS;
  }

  /** Word offset of entry `index` of record `rec`. */
  entryAt(rec: number, index: number): number {
    return this.sec.ent + (rec * ENTRIES_PER_REC + index) * ENT_WORDS;
  }

  /** Wait records in use: taken by lock holders, not yet freed by waiters. */
  recordsInUse(): number {
    return (this.u32[H_RECS_TAKEN] - Atomics.load(this.u32, H_RECS_FREED)) >>>
      0;
  }

  /** Is there room for one more wait? (the kernel's allocation, ENOMEM) */
  canStartWait(): boolean {
    return this.recordsInUse() < this.recCap;
  }

  /**
   * Take a free record (under the lock; call canStartWait first): the top
   * of the spare stack, refilled from the stack of records waiters freed
   * when it runs dry, else a never-used one.
   */
  allocRecord(): number {
    const i32 = this.i32, u32 = this.u32;
    let top = i32[H_REC_SPARE];
    if (top === 0 && Atomics.load(i32, H_REC_FREE) !== 0) {
      // Waiters push freed records without the lock; take them all at once.
      // Not journaled: the records are as free on one stack as the other,
      // and nothing in between can fail.
      top = Atomics.exchange(i32, H_REC_FREE, 0);
      i32[H_REC_SPARE] = top;
    }
    let rec: number;
    if (top !== 0) {
      rec = top - 1;
      this.write(H_REC_SPARE, i32[this.recordAt(rec) + R_NEXT]);
    } else {
      rec = u32[H_REC_HWM];
      this.write(H_REC_HWM, rec + 1);
    }
    this.write(H_RECS_TAKEN, u32[H_RECS_TAKEN] + 1);
    return rec;
  }

  /**
   * Return a record whose waiter has read its result (lock not needed).
   * Only the holder of the current `ticket` frees it, and only once: true
   * for the call that did, false when the ticket was no longer current
   * (reap took the record first).
   */
  freeRecord(rec: number, ticket: number): boolean {
    const i32 = this.i32, at = this.recordAt(rec);
    if (
      Atomics.compareExchange(i32, at + R_KIND, ticket, ticket & ~3) !== ticket
    ) {
      return false;
    }
    for (;;) {
      const top = Atomics.load(i32, H_REC_FREE);
      i32[at + R_NEXT] = top;
      if (Atomics.compareExchange(i32, H_REC_FREE, top, rec + 1) === top) break;
    }
    // Counted free only once it can be popped: room implies a record.
    Atomics.add(this.u32, H_RECS_FREED, 1);
    return true;
  }
}
