/**
 * The emulated device's shared state and the kernel's wake algorithm.
 *
 * Every method here runs with the device lock held (see `lockDevice`),
 * except `looksSignaled` and the event accessors fast.ts uses. The lock
 * plays the part of the kernel's object spinlocks and instance wait-all lock
 * at once: operations on one object are totally ordered, and wait-all
 * acquisitions are atomic over all their objects.
 *
 * A wait is a record with one entry per object (the alert last), linked into
 * each object's any- or all-waiter queue. Whoever makes a record satisfiable
 * claims it: acquires the objects on the waiter's behalf, unlinks its entries
 * and stores the index into the record's state word, then notifies. The
 * waiter's result is decided only by that word (spec §3.2).
 *
 * @module
 */

import {
  type Capacities,
  E_NEXT,
  E_OBJ,
  E_PREV,
  E_QUEUE,
  ENT_WORDS,
  ENTRIES_PER_REC,
  EV_PINNED,
  EV_SIGNALED,
  EV_VERSION,
  FD_DEVICE,
  FD_FREE,
  FD_OBJECT,
  FD_RESERVED,
  FD_WORDS,
  FIRST_FD,
  H_CLOCK_BASE_F64,
  H_FD_CAP,
  H_FD_HINT,
  H_INST_CAP,
  H_INST_FREE,
  H_INST_HWM,
  H_INSTS_LIVE,
  H_LOCK,
  H_MAGIC,
  H_OBJ_CAP,
  H_OBJ_FREE,
  H_OBJ_HWM,
  H_OBJS_LIVE,
  H_REC_CAP,
  H_REC_FREE,
  H_REC_HWM,
  H_RECS_LIVE,
  INST_WORDS,
  MAGIC,
  O_A,
  O_ALL_HEAD,
  O_ALL_TAIL,
  O_ALLN,
  O_ANY_HEAD,
  O_ANY_TAIL,
  O_B,
  O_DEAD,
  O_EVENT,
  O_GEN,
  O_INST,
  O_NEXT,
  O_REFS,
  O_TYPE,
  OBJ_WORDS,
  PENDING,
  R_COUNT,
  R_DEAD,
  R_KIND,
  R_NEXT,
  R_OWNER,
  R_STATE,
  R_THREAD,
  R_TOTAL,
  REAPED,
  REC_WORDS,
  type Sections,
  sections,
  SLEEPING,
  T_EVENT,
  T_MUTEX,
  T_SEM,
  WAIT_KIND_ALL,
  WAIT_KIND_ANY,
  WITHDRAWN,
} from "./layout.ts";
import { IntList } from "./int_list.ts";
import { lock, unlock } from "./lock.ts";

const U32_MAX = 0xffffffff;
const NONE = -1;
const QUEUE_ANY = 1;
const QUEUE_ALL = 2;

/** Views over one device's shared memory, and the operations on it. */
export class SharedState {
  /** The shared memory. */
  readonly buffer: SharedArrayBuffer;
  /** Signed view: lock and record state words (for Atomics.wait). */
  readonly i32: Int32Array;
  /** Unsigned view: every u32 field. */
  readonly u32: Uint32Array;
  /** Float view: the clock base. */
  readonly f64: Float64Array;
  /** Section offsets. */
  readonly sec: Sections;
  /** Capacities read back from the header. */
  readonly fdCap: number;
  /** Object capacity. */
  readonly objCap: number;
  /** Wait record capacity. */
  readonly recCap: number;
  /** Instance capacity. */
  readonly instCap: number;

  /** This thread holds the device lock (see lockDevice). */
  #locked = false;
  /** Events this thread pinned while holding the device lock. */
  readonly #pinned = new IntList();
  /**
   * State words of sleeping waiters this thread settled while holding the
   * lock: notified after it lets go (see settle).
   */
  readonly #toWake = new IntList();
  /** tryWakeAll: which of the claimed wait-all's mutexes were abandoned. */
  readonly #deadAt = new Uint8Array(ENTRIES_PER_REC);

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.i32 = new Int32Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.f64 = new Float64Array(buffer);
    if (this.u32[H_MAGIC] !== MAGIC) {
      throw new TypeError("ntsync: not an emulated device's shared memory");
    }
    this.fdCap = this.u32[H_FD_CAP];
    this.objCap = this.u32[H_OBJ_CAP];
    this.recCap = this.u32[H_REC_CAP];
    this.instCap = this.u32[H_INST_CAP];
    this.sec = sections(this.fdCap, this.objCap, this.recCap, this.instCap);
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

  // ---- the device lock ------------------------------------------------

  /**
   * Take the device lock. Until `unlockDevice`, each event this thread
   * reaches through `o` is pinned first, so that no fast path (fast.ts)
   * changes it while the holder looks at it: the device lock then covers
   * every object it touches.
   */
  lockDevice(): void {
    lock(this.i32, H_LOCK);
    this.#locked = true;
  }

  /**
   * Unpin what was pinned (a new version each), release the lock, then wake
   * the sleepers that were settled.
   */
  unlockDevice(): void {
    const i32 = this.i32, pinned = this.#pinned, toWake = this.#toWake;
    for (let i = pinned.length - 1; i >= 0; i--) {
      const at = this.sec.obj + pinned.at(i) * OBJ_WORDS + O_EVENT;
      Atomics.store(i32, at, ((i32[at] & ~EV_PINNED) + EV_VERSION) | 0);
    }
    pinned.clear();
    this.#locked = false;
    unlock(i32, H_LOCK);
    for (let i = 0; i < toWake.length; i++) Atomics.notify(i32, toWake.at(i));
    toWake.clear();
  }

  #pin(obj: number, at: number): void {
    // An atomic or: a fast path's swap racing with it fails, or lands first.
    Atomics.or(this.i32, at, EV_PINNED);
    this.#pinned.push(obj);
  }

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
        u32[H_FD_HINT] = fd + 1;
        return fd;
      }
    }
    u32[H_FD_HINT] = this.fdCap;
    return NONE;
  }

  private setFd(fd: number, kind: number, ref: number): void {
    const at = this.sec.fd + fd * FD_WORDS;
    this.u32[at] = kind;
    this.u32[at + 1] = ref;
  }

  private freeFd(fd: number): void {
    this.setFd(fd, FD_FREE, 0);
    if (fd < this.u32[H_FD_HINT]) this.u32[H_FD_HINT] = fd;
  }

  // ---- instances ------------------------------------------------------

  /** Open a new instance; its fd, or -1 (EMFILE) / -2 (ENOMEM). */
  openInstance(): number {
    const fd = this.lowestFreeFd();
    if (fd < 0) return -1;
    const u32 = this.u32, i32 = this.i32;
    let id = i32[H_INST_FREE];
    if (id !== NONE) {
      i32[H_INST_FREE] = i32[this.sec.inst + id * INST_WORDS + 1];
    } else if (u32[H_INST_HWM] < this.instCap) {
      id = u32[H_INST_HWM]++;
    } else {
      u32[H_FD_HINT] = Math.min(u32[H_FD_HINT], fd);
      return -2;
    }
    u32[this.sec.inst + id * INST_WORDS] = 1;
    u32[H_INSTS_LIVE]++;
    this.setFd(fd, FD_DEVICE, id);
    return fd;
  }

  private instanceUnref(id: number): void {
    const at = this.sec.inst + id * INST_WORDS;
    if (--this.u32[at] === 0) {
      this.i32[at + 1] = this.i32[H_INST_FREE];
      this.i32[H_INST_FREE] = id;
      this.u32[H_INSTS_LIVE]--;
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

  /**
   * Word offset of object `obj`. Under the device lock, an event is pinned
   * first (see lockDevice).
   */
  o(obj: number): number {
    const at = this.sec.obj + obj * OBJ_WORDS;
    // Only the lock holder sets or clears the pin, so a plain read tells
    // whether this holder has pinned the event already.
    if (
      this.#locked && this.u32[at + O_TYPE] === T_EVENT &&
      (this.i32[at + O_EVENT] & EV_PINNED) === 0
    ) this.#pin(obj, at + O_EVENT);
    return at;
  }

  /** Object `obj`'s type, from a plain read (0: free). */
  objectType(obj: number): number {
    return this.u32[this.sec.obj + obj * OBJ_WORDS + O_TYPE];
  }

  /** Is the event at word offset `at` signaled? */
  eventSignaled(at: number): boolean {
    return (this.i32[at + O_EVENT] & EV_SIGNALED) !== 0;
  }

  /** Signal or reset the (pinned) event at word offset `at`. */
  setEventSignaled(at: number, signaled: boolean): void {
    const v = this.i32[at + O_EVENT] & ~EV_SIGNALED;
    Atomics.store(this.i32, at + O_EVENT, signaled ? v | EV_SIGNALED : v);
  }

  /**
   * Create an object in `instance` and give it the lowest free fd.
   * Returns the fd, or -1 (EMFILE) / -2 (ENOMEM), leaving nothing behind.
   */
  createObject(instance: number, type: number, a: number, b: number): number {
    const u32 = this.u32, i32 = this.i32;
    let obj = i32[H_OBJ_FREE];
    if (obj !== NONE) {
      i32[H_OBJ_FREE] = i32[this.o(obj) + O_NEXT];
    } else if (u32[H_OBJ_HWM] < this.objCap) {
      obj = u32[H_OBJ_HWM]++;
    } else {
      return -2;
    }
    const fd = this.lowestFreeFd();
    if (fd < 0) {
      i32[this.o(obj) + O_NEXT] = i32[H_OBJ_FREE];
      i32[H_OBJ_FREE] = obj;
      return -1;
    }
    const at = this.o(obj);
    // A new version for a new object: whatever a fast path remembers of the
    // slot's last object (freeing it gave a new version already) never
    // matches it.
    const ev = (Atomics.load(i32, at + O_EVENT) & ~(EV_PINNED | EV_SIGNALED)) +
      EV_VERSION;
    Atomics.store(
      i32,
      at + O_EVENT,
      type === T_EVENT && b ? ev | EV_SIGNALED : ev | 0,
    );
    u32[at + O_TYPE] = type;
    u32[at + O_INST] = instance;
    u32[at + O_REFS] = 1;
    u32[at + O_A] = a;
    u32[at + O_B] = type === T_EVENT ? 0 : b;
    u32[at + O_DEAD] = 0;
    u32[at + O_ALLN] = 0;
    u32[at + O_GEN]++;
    i32[at + O_ANY_HEAD] = NONE;
    i32[at + O_ANY_TAIL] = NONE;
    i32[at + O_ALL_HEAD] = NONE;
    i32[at + O_ALL_TAIL] = NONE;
    u32[this.sec.inst + instance * INST_WORDS]++;
    u32[H_OBJS_LIVE]++;
    this.setFd(fd, FD_OBJECT, obj);
    return fd;
  }

  /** Drop one reference; the last one frees the object (spec §1.4, §3.12). */
  objectUnref(obj: number): void {
    const at = this.o(obj);
    if (--this.u32[at + O_REFS] !== 0) return;
    const instance = this.u32[at + O_INST];
    this.u32[at + O_TYPE] = 0;
    this.i32[at + O_NEXT] = this.i32[H_OBJ_FREE];
    this.i32[H_OBJ_FREE] = obj;
    this.u32[H_OBJS_LIVE]--;
    this.instanceUnref(instance);
  }

  /**
   * Is `obj` signaled for a waiter with this owner id? (spec §3.1)
   *
   * Owner ids travel through the engine as int32 (`owner | 0`, and read back
   * through `i32`): the same 32 bits, but to V8 a small integer, where a
   * uint32 from 2^31 up passed to a call it does not inline is a heap
   * number, i.e. an allocation per wait.
   */
  isSignaled(obj: number, owner: number): boolean {
    const u32 = this.u32, at = this.o(obj);
    switch (u32[at + O_TYPE]) {
      case T_SEM:
        return u32[at + O_A] !== 0;
      case T_MUTEX: {
        const holder = this.i32[at + O_A];
        return (holder === 0 || holder === owner) && u32[at + O_B] !== U32_MAX;
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
    const at = this.sec.obj + obj * OBJ_WORDS;
    return Atomics.load(this.i32, at + O_ANY_HEAD) !== NONE ||
      Atomics.load(this.u32, at + O_ALLN) !== 0;
  }

  /**
   * `isSignaled` read without the lock, for a spinning waiter: a hint that
   * may already be stale, never a decision. Atomic loads, so that a polling
   * loop sees other threads' stores.
   */
  looksSignaled(obj: number, owner: number): boolean {
    const u32 = this.u32, at = this.sec.obj + obj * OBJ_WORDS;
    switch (u32[at + O_TYPE]) { // stale only if freed: then start() decides
      case T_SEM:
        return Atomics.load(u32, at + O_A) !== 0;
      case T_MUTEX: {
        const holder = Atomics.load(this.i32, at + O_A);
        return (holder === 0 || holder === owner) &&
          Atomics.load(u32, at + O_B) !== U32_MAX;
      }
      case T_EVENT:
        return (Atomics.load(this.i32, at + O_EVENT) & EV_SIGNALED) !== 0;
      default:
        return false; // freed meanwhile: start() will see why
    }
  }

  /** Acquire a signaled `obj` for `owner`; true if it was an abandoned mutex. */
  acquire(obj: number, owner: number): boolean {
    const u32 = this.u32, at = this.o(obj);
    switch (u32[at + O_TYPE]) {
      case T_SEM:
        u32[at + O_A]--;
        return false;
      case T_MUTEX: {
        u32[at + O_A] = owner;
        u32[at + O_B]++;
        if (u32[at + O_DEAD] === 0) return false;
        u32[at + O_DEAD] = 0;
        return true;
      }
      default:
        if (u32[at + O_A] === 0) this.setEventSignaled(at, false); // auto-reset
        return false;
    }
  }

  // ---- wait records ---------------------------------------------------

  /** Word offset of record `rec`. */
  r(rec: number): number {
    return this.sec.rec + rec * REC_WORDS;
  }

  /** Word offset of entry `index` of record `rec`. */
  e(rec: number, index: number): number {
    return this.sec.ent + (rec * ENTRIES_PER_REC + index) * ENT_WORDS;
  }

  /** Is there room for one more wait? (the kernel's allocation, ENOMEM) */
  canStartWait(): boolean {
    return this.u32[H_RECS_LIVE] < this.recCap; // a hint off the lock: room races anyway
  }

  /**
   * Take a free record (call canStartWait first): the top of the free stack,
   * else a never-used one. Only the lock holder pops, so a concurrent push
   * can only make the compare-and-swap retry (no ABA).
   */
  allocRecord(): number {
    const i32 = this.i32;
    let rec: number;
    for (;;) {
      const top = Atomics.load(i32, H_REC_FREE);
      if (top === 0) {
        rec = this.u32[H_REC_HWM]++;
        break;
      }
      const next = i32[this.r(top - 1) + R_NEXT];
      if (Atomics.compareExchange(i32, H_REC_FREE, top, next) === top) {
        rec = top - 1;
        break;
      }
    }
    Atomics.add(this.u32, H_RECS_LIVE, 1);
    return rec;
  }

  /**
   * Queue a wait of `thread`: `objs` (object ids) for a wait of `kind`, the
   * alert (if not -1) last. Takes a reference on every object (spec §3.12).
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
    const u32 = this.u32, i32 = this.i32, at = this.r(rec);
    i32[at + R_STATE] = PENDING;
    u32[at + R_OWNER] = owner;
    u32[at + R_COUNT] = count;
    u32[at + R_TOTAL] = alert === NONE ? count : count + 1;
    u32[at + R_DEAD] = 0;
    u32[at + R_THREAD] = thread;
    const queue = kind === WAIT_KIND_ALL ? QUEUE_ALL : QUEUE_ANY;
    for (let i = 0; i < count; i++) this.link(rec, i, objs[i], queue);
    if (alert !== NONE) this.link(rec, count, alert, QUEUE_ANY);
    const generation = (i32[at + R_KIND] >>> 2) + 1;
    const ticket = ((generation << 2) | kind) & 0x7fff_ffff;
    Atomics.store(i32, at + R_KIND, ticket);
    return ticket;
  }

  private link(rec: number, index: number, obj: number, queue: number): void {
    const i32 = this.i32,
      ent = this.e(rec, index),
      id = rec * ENTRIES_PER_REC + index;
    const o = this.o(obj);
    const head = queue === QUEUE_ALL ? O_ALL_HEAD : O_ANY_HEAD;
    const tail = head + 1;
    i32[ent + E_OBJ] = obj;
    i32[ent + E_QUEUE] = queue;
    i32[ent + E_NEXT] = NONE;
    const last = i32[o + tail];
    i32[ent + E_PREV] = last;
    if (last === NONE) i32[o + head] = id;
    else i32[this.entAt(last) + E_NEXT] = id;
    i32[o + tail] = id;
    if (queue === QUEUE_ALL) this.u32[o + O_ALLN]++;
    this.u32[o + O_REFS]++;
  }

  private entAt(id: number): number {
    return this.sec.ent + id * ENT_WORDS;
  }

  /** Unlink an entry from its queue. Its E_NEXT is kept, for walkers (see walk). */
  private unlink(id: number): void {
    const i32 = this.i32, ent = this.entAt(id);
    const queue = i32[ent + E_QUEUE];
    if (queue === 0) return;
    const o = this.o(i32[ent + E_OBJ]);
    const head = queue === QUEUE_ALL ? O_ALL_HEAD : O_ANY_HEAD;
    const prev = i32[ent + E_PREV], next = i32[ent + E_NEXT];
    if (prev === NONE) i32[o + head] = next;
    else i32[this.entAt(prev) + E_NEXT] = next;
    if (next === NONE) i32[o + head + 1] = prev;
    else i32[this.entAt(next) + E_PREV] = prev;
    i32[ent + E_QUEUE] = 0;
    if (queue === QUEUE_ALL) this.u32[o + O_ALLN]--;
  }

  /** Unlink every entry of `rec` and drop its object references. */
  private dequeue(rec: number): void {
    const total = this.u32[this.r(rec) + R_TOTAL];
    const base = rec * ENTRIES_PER_REC;
    for (let i = 0; i < total; i++) this.unlink(base + i);
    for (let i = 0; i < total; i++) {
      this.objectUnref(this.i32[this.entAt(base + i) + E_OBJ]);
    }
  }

  /**
   * Hand the wait its result and wake it (spec §3.2 step 4). `all`: a
   * wait-all acquired all its objects (abandoned ones flagged in #deadAt).
   * Each acquired entry keeps what reap needs to give it back.
   */
  private claim(rec: number, index: number, dead: boolean, all = false): void {
    const at = this.r(rec);
    this.u32[at + R_DEAD] = dead ? 1 : 0;
    this.dequeue(rec);
    if (all) {
      const count = this.u32[at + R_COUNT];
      for (let i = 0; i < count; i++) this.#keep(rec, i, this.#deadAt[i] === 1);
    } else this.#keep(rec, index, dead);
    this.settle(at + R_STATE, index);
  }

  /** Note in an acquired, unlinked entry which object it acquired (E_PREV). */
  #keep(rec: number, index: number, dead: boolean): void {
    const ent = this.e(rec, index);
    const obj = this.i32[ent + E_OBJ];
    const gen = this.u32[this.sec.obj + obj * OBJ_WORDS + O_GEN];
    this.i32[ent + E_PREV] = (gen << 1) | (dead ? 1 : 0);
  }

  /**
   * Store a final state; wake the waiter if it said it sleeps, once the
   * lock is released (unlockDevice). A futex wake costs microseconds in a
   * VM, and a thread that wants the lock meanwhile would go to sleep on it
   * and pay a wake of its own. Waking late is safe: a waiter rechecks its
   * state word, and a notify that finds the record reused (its waiter saw
   * the state early) is one more spurious wake, which waiters loop on.
   */
  private settle(stateAt: number, value: number): void {
    if (Atomics.exchange(this.i32, stateAt, value) === SLEEPING) {
      this.#toWake.push(stateAt);
    }
  }

  /**
   * The waiter gives up (timeout, abort): withdraw its entries if nobody has
   * claimed it. Returns the state: WITHDRAWN, or the claimed index.
   */
  withdraw(rec: number): number {
    const at = this.r(rec);
    const state = Atomics.load(this.i32, at + R_STATE);
    if (state !== PENDING && state !== SLEEPING) return state;
    this.dequeue(rec);
    this.settle(at + R_STATE, WITHDRAWN);
    return WITHDRAWN;
  }

  /**
   * As `withdraw`, by the waiter holding `ticket`: REAPED if the record is
   * no longer its own (reap took it, and it may be someone else's now).
   */
  withdrawOwn(rec: number, ticket: number): number {
    if (Atomics.load(this.i32, this.r(rec) + R_KIND) !== ticket) return REAPED;
    return this.withdraw(rec);
  }

  /**
   * Return a record whose waiter has read its result (lock not needed).
   * Only the holder of the current `ticket` frees it, and only once: true
   * for the call that did, false when the ticket was no longer current
   * (reap took the record first).
   */
  freeRecord(rec: number, ticket: number): boolean {
    const i32 = this.i32, at = this.r(rec);
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
    Atomics.sub(this.u32, H_RECS_LIVE, 1);
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
   * 4. every event is pinned, so its version changes at unlock: a fast path
   *    of the reaped thread that read an event word before it saw the
   *    revocation can no longer swap it (fast.ts).
   *
   * Returns how many records were taken.
   */
  reapThread(thread: number, owners: Int32Array): number {
    const u32 = this.u32, i32 = this.i32, hwm = u32[H_REC_HWM];
    for (let rec = 0; rec < hwm; rec++) {
      const at = this.r(rec);
      if ((Atomics.load(i32, at + R_KIND) & 3) === 0) continue;
      if (u32[at + R_THREAD] === thread) this.withdraw(rec);
    }
    let reaped = 0;
    for (let rec = 0; rec < hwm; rec++) {
      const at = this.r(rec);
      const ticket = Atomics.load(i32, at + R_KIND);
      if ((ticket & 3) === 0 || u32[at + R_THREAD] !== thread) continue;
      if (!this.freeRecord(rec, ticket)) continue; // its waiter was first
      reaped++;
      const state = Atomics.load(i32, at + R_STATE);
      if (state >= 0) this.#giveBack(rec, ticket & 3, state);
    }
    const objHwm = u32[H_OBJ_HWM];
    for (let obj = 0; obj < objHwm; obj++) {
      const o = this.sec.obj + obj * OBJ_WORDS;
      const type = u32[o + O_TYPE];
      if (type === T_EVENT) this.o(obj); // pinned: see 4.
      if (type !== T_MUTEX || i32[o + O_A] === 0) continue;
      if (!owners.includes(i32[o + O_A])) continue;
      u32[o + O_A] = 0;
      u32[o + O_B] = 0;
      u32[o + O_DEAD] = 1;
      this.wake(obj);
    }
    return reaped;
  }

  /** Undo what the claim of `rec` (a wait of `kind`, claimed with `index`) acquired. */
  #giveBack(rec: number, kind: number, index: number): void {
    const at = this.r(rec), owner = this.i32[at + R_OWNER];
    const count = this.u32[at + R_COUNT];
    if (kind === WAIT_KIND_ALL && index < count) {
      for (let i = 0; i < count; i++) this.#giveBackEntry(rec, i, owner);
    } else if (kind === WAIT_KIND_ALL || kind === WAIT_KIND_ANY) {
      this.#giveBackEntry(rec, index, owner);
    }
  }

  #giveBackEntry(rec: number, index: number, owner: number): void {
    const u32 = this.u32, i32 = this.i32, ent = this.e(rec, index);
    const obj = i32[ent + E_OBJ], kept = i32[ent + E_PREV];
    const o = this.o(obj);
    // Closed (and maybe reused) since: what was acquired went with it.
    if (u32[o + O_TYPE] === 0 || ((u32[o + O_GEN] << 1) | 0) !== (kept & ~1)) {
      return;
    }
    switch (u32[o + O_TYPE]) {
      case T_SEM:
        if (u32[o + O_A] >= u32[o + O_B]) return; // released to max since
        u32[o + O_A]++;
        break;
      case T_MUTEX:
        if (i32[o + O_A] !== owner || u32[o + O_B] === 0) return;
        if (--u32[o + O_B] === 0) {
          u32[o + O_A] = 0;
          if (kept & 1) u32[o + O_DEAD] = 1; // it was abandoned: still is
        }
        break;
      default:
        if (u32[o + O_A] !== 0) return; // manual-reset: nothing was taken
        this.setEventSignaled(o, true);
    }
    this.wake(obj);
  }

  // ---- the wait algorithm -----------------------------------------------

  /**
   * Try a wait-all's objects at once (spec §3.8). On success acquire them all
   * and return 0 or, with an abandoned mutex among them, 1; else -1.
   */
  tryAcquireAll(objs: Int32Array, count: number, owner: number): number {
    for (let i = 0; i < count; i++) {
      if (!this.isSignaled(objs[i], owner)) return -1;
    }
    let dead = 0;
    for (let i = 0; i < count; i++) {
      if (this.acquire(objs[i], owner)) dead = 1;
    }
    return dead;
  }

  private tryWakeAll(rec: number): void {
    const u32 = this.u32, i32 = this.i32, at = this.r(rec);
    const count = u32[at + R_COUNT], owner = i32[at + R_OWNER];
    const base = rec * ENTRIES_PER_REC;
    for (let i = 0; i < count; i++) {
      if (!this.isSignaled(i32[this.entAt(base + i) + E_OBJ], owner)) return;
    }
    let dead = false;
    const deadAt = this.#deadAt;
    for (let i = 0; i < count; i++) {
      const was = this.acquire(i32[this.entAt(base + i) + E_OBJ], owner);
      deadAt[i] = was ? 1 : 0;
      if (was) dead = true;
    }
    this.claim(rec, 0, dead, true);
  }

  /** The entry after `id`, skipping entries unlinked meanwhile by a claim. */
  private nextLinked(id: number): number {
    let next = this.i32[this.entAt(id) + E_NEXT];
    while (next !== NONE && this.i32[this.entAt(next) + E_QUEUE] === 0) {
      next = this.i32[this.entAt(next) + E_NEXT];
    }
    return next;
  }

  /**
   * `obj` may have become signaled: serve its wait-all waiters first, then
   * its wait-any waiters, each queue in FIFO order (spec §3.2).
   */
  wake(obj: number): void {
    const u32 = this.u32, i32 = this.i32, o = this.o(obj);
    if (u32[o + O_ALLN] !== 0) {
      for (let id = i32[o + O_ALL_HEAD]; id !== NONE;) {
        const rec = (id / ENTRIES_PER_REC) | 0;
        this.tryWakeAll(rec);
        id = this.nextLinked(id);
      }
    }
    const type = u32[o + O_TYPE];
    for (let id = i32[o + O_ANY_HEAD]; id !== NONE;) {
      const rec = (id / ENTRIES_PER_REC) | 0;
      const owner = i32[this.r(rec) + R_OWNER];
      if (type === T_SEM) {
        if (u32[o + O_A] === 0) break;
      } else if (type === T_EVENT) {
        if (!this.eventSignaled(o)) break;
      } else {
        if (u32[o + O_B] === U32_MAX) break;
        const holder = i32[o + O_A];
        if (holder !== 0 && holder !== owner) {
          id = this.nextLinked(id);
          continue;
        }
      }
      const dead = this.acquire(obj, owner);
      this.claim(rec, id - rec * ENTRIES_PER_REC, dead);
      id = this.nextLinked(id);
    }
  }

  // ---- inspection (tests, leak checks) ----------------------------------

  /** Counts of live records, objects and instances. */
  census(): { waits: number; objects: number; instances: number } {
    return {
      waits: this.u32[H_RECS_LIVE],
      objects: this.u32[H_OBJS_LIVE],
      instances: this.u32[H_INSTS_LIVE],
    };
  }
}

export { FD_DEVICE, FD_OBJECT, T_EVENT, T_MUTEX, T_SEM };
