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
 * waiter's result is decided only by that word, as by the kernel's
 * `q->signaled` (docs/semantics.md#who-is-woken-in-what-order).
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
  EVENT_MANUAL,
  EVENT_STATE,
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
  H_JNL_LEN,
  H_JNL_PHASE,
  H_LOCK,
  H_MAGIC,
  H_OBJ_CAP,
  H_OBJ_FREE,
  H_OBJ_HWM,
  H_OBJS_LIVE,
  H_REC_CAP,
  H_REC_FREE,
  H_REC_HWM,
  H_REC_SPARE,
  H_RECS_FREED,
  H_RECS_TAKEN,
  INST_WORDS,
  JNL_COMMITTING,
  LOCK_ABANDONED,
  LOCK_HOLDER,
  MAGIC,
  MUTEX_ABANDONED,
  MUTEX_COUNT,
  MUTEX_OWNER,
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
  PENDING,
  R_COUNT,
  R_DEAD,
  R_KIND,
  R_NEXT,
  R_ORPHAN,
  R_OWNER,
  R_STATE,
  R_THREAD,
  R_TOTAL,
  REAPED,
  REC_WORDS,
  type Sections,
  sections,
  SEM_COUNT,
  SEM_MAX,
  SLEEPING,
  T_EVENT,
  T_MUTEX,
  T_SEM,
  WAIT_KIND_ALL,
  WAIT_KIND_ANY,
  WITHDRAWN,
} from "./layout.ts";
import { IntList } from "./int_list.ts";
import { Errno } from "../../uapi/errno.ts";
import {
  ALL_ACQUIRED,
  ALL_ACQUIRED_ABANDONED,
  NOT_ALL_SIGNALED,
} from "./results.ts";
import { lock, RELEASED_WAKE, unlock } from "./lock.ts";

const U32_MAX = 0xffffffff;
const NONE = -1;
const QUEUE_ANY = 1;
const QUEUE_ALL = 2;

// Undo journal entries: two words, [tag << 30 | word index, value].
/** A plain write: value is the word's old value, restored on rollback. */
const J_WRITE = 0;
/** An event pinned: value is its word before; commit unpins with a new version. */
const J_PIN = 1;
/** A waiter's result, value, stored at commit (never undone: never done before). */
const J_SETTLE = 2;
/** A record freed at commit with the ticket in value (index: the record). */
const J_FREE = 3;
const J_INDEX = 0x3fff_ffff;

/**
 * Crash-point injection for tests (see {@linkcode injectCrashAfter}): the
 * journaled writes left before one throws, 0 for never. Checked only in the
 * journal's write functions.
 */
let crashCountdown = 0;
/** The injected crash kills the thread (see SharedState#crash). */
let crashKills = false;

/**
 * Frames of `reserveStack` that take more stack than the commit and the
 * release after it need, builtins included (with every call a frame of its
 * own, as in the interpreter).
 */
const RESERVE_FRAMES = 16;

/**
 * Use about `frames` small frames of stack, then give it back: throws the
 * RangeError of a stack overflow here, before the commit, rather than
 * inside it.
 */
function reserveStack(frames: number): number {
  return frames === 0 ? 0 : reserveStack(frames - 1) + 1;
}

/** Thrown by a write {@linkcode injectCrashAfter} chose. */
export class InjectedCrash extends Error {
  constructor() {
    super("ntsync: injected crash (test hook)");
    this.name = "InjectedCrash";
  }
}

/**
 * Test hook: the `writes`-th shared-memory write under the device lock from
 * now on (on this thread) is made, then throws {@linkcode InjectedCrash},
 * as if the thread failed right after it; 0 turns it off. With `kills`,
 * the thread is as good as dead from then on: its catch blocks find no lock
 * to clean up after, and the lock stays held, with the journal of the
 * operation cut short, until `recoverFrom` recovers it. Returns how many
 * writes were still to go before the next injected crash (0: none armed),
 * so that a test can tell whether an op reached its crash point.
 *
 * @example
 * ```ts
 * import { injectCrashAfter } from "./state.ts";
 * injectCrashAfter(3); // the third journaled write throws
 * injectCrashAfter(0); // off
 * ```
 */
export function injectCrashAfter(writes: number, kills = false): number {
  const left = crashCountdown;
  crashCountdown = writes;
  crashKills = kills;
  return left;
}

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

  /**
   * This thread holds the device lock. A plain field, so that a cleanup
   * path reads and clears it without a call (see backend.ts's `abandon`).
   */
  holding = false;
  /** This thread's word in H_LOCK while it holds the lock (bindThread). */
  #me = LOCK_HOLDER;
  /** Entries in the undo journal (mirrors H_JNL_LEN, which recovery reads). */
  #jlen = 0;
  /**
   * State words of sleeping waiters this thread settled while holding the
   * lock: notified after it lets go (see commit).
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

  // ---- the device lock and its undo journal ------------------------------

  /**
   * The thread this view belongs to (its id on the device: nonzero, below
   * 2^30): the lock word names it while it holds the lock.
   */
  bindThread(thread: number): void {
    this.#me = (thread * LOCK_HOLDER) | 0;
  }

  /**
   * Take the device lock. Until `unlockDevice`, every shared-memory write
   * goes through the undo journal (`write`), and each event this thread
   * reaches through `pinObject` is pinned first, so that no fast path (fast.ts)
   * changes it while the holder looks at it: the device lock then covers
   * every object it touches. A lock abandoned by its last holder is taken
   * over, and what that holder left half-done undone first.
   */
  lockDevice(): void {
    if (lock(this.i32, H_LOCK, this.#me)) {
      this.holding = true;
      this.#recover();
    } else this.holding = true;
  }

  /**
   * Commit (publish results, unpin events with a new version each, empty
   * the journal), release the lock, then wake the sleepers that were
   * settled.
   */
  unlockDevice(): void {
    if (this.#jlen !== 0) {
      // The last point where the section can still be undone: after the
      // commit, an exception (a stack overflow in the release) would report
      // a failure for an operation that took effect (an fd nobody learns).
      reserveStack(RESERVE_FRAMES);
      this.#commit(false);
    }
    const released = unlock(this.i32, H_LOCK, this.#me);
    this.holding = false;
    if (released === RELEASED_WAKE) Atomics.notify(this.i32, H_LOCK, 1);
    const toWake = this.#toWake, items = toWake.items;
    for (let i = 0; i < toWake.length; i++) Atomics.notify(this.i32, items[i]);
    toWake.length = 0;
  }

  /**
   * After an exception inside a locked section, once the lock word is
   * marked abandoned (backend.ts's `abandon`): take the lock back, undo the
   * section, release. May itself throw near the stack's limit; the lock
   * stays marked abandoned then, and the next locker recovers.
   */
  recoverAbandoned(): void {
    this.lockDevice();
    this.unlockDevice();
  }

  /**
   * Recover the device from a thread that died holding the lock, for a
   * reaper that knows `thread` (an id from `bindThread`) will run no more
   * engine code: if it holds the lock, the lock is marked abandoned and
   * taken over, its unfinished operation undone (or, if it was committing,
   * finished), its pinned events released, and the lock freed, so that the
   * device is in the state before or after that operation. Lockers asleep
   * on the lock are woken. Returns whether `thread` held the lock.
   *
   * Never call it for a thread that may still run: a live holder's
   * operation would be undone under it. (A live thread that merely holds
   * the lock releases it within microseconds; just lock the device.)
   *
   * @example
   * ```ts ignore
   * // In a reaper, once the Worker whose thread id is `dead` has exited:
   * st.recoverFrom(dead);
   * ```
   */
  recoverFrom(thread: number): boolean {
    const i32 = this.i32, holder = (thread * LOCK_HOLDER) | 0;
    for (;;) {
      const word = Atomics.load(i32, H_LOCK);
      if ((word & ~(LOCK_HOLDER - 1)) !== holder || word === 0) return false;
      if ((word & LOCK_ABANDONED) !== 0) break;
      const marked = word | LOCK_ABANDONED;
      if (Atomics.compareExchange(i32, H_LOCK, word, marked) === word) break;
    }
    Atomics.notify(i32, H_LOCK);
    this.recoverAbandoned();
    return true;
  }

  /**
   * A journaled write of `value` to word `i` (under the lock): the old
   * value is logged first, so that an operation cut short is undone.
   */
  write(i: number, value: number): void {
    const u32 = this.u32, j = this.#jlen, at = this.sec.jnl + j * 2;
    if (j === this.sec.jnlCap) throw new RangeError("ntsync: journal full");
    u32[at] = i;
    u32[at + 1] = u32[i];
    u32[H_JNL_LEN] = this.#jlen = j + 1;
    u32[i] = value;
    if (crashCountdown !== 0 && --crashCountdown === 0) this.#crash();
  }

  /** `write` for a word that fast paths read without the lock: an atomic store. */
  writeAtomic(i: number, value: number): void {
    const u32 = this.u32, j = this.#jlen, at = this.sec.jnl + j * 2;
    if (j === this.sec.jnlCap) throw new RangeError("ntsync: journal full");
    u32[at] = i;
    u32[at + 1] = u32[i];
    u32[H_JNL_LEN] = this.#jlen = j + 1;
    Atomics.store(u32, i, value);
    if (crashCountdown !== 0 && --crashCountdown === 0) this.#crash();
  }

  /**
   * The injected crash (injectCrashAfter): an exception, or, when the
   * thread is to die, one its catch blocks cannot clean up after (they see
   * no lock held), as after a thread killed mid-call: the lock stays its
   * own, with its journal, until someone calls recoverFrom.
   */
  #crash(): never {
    if (crashKills) this.holding = false;
    throw new InjectedCrash();
  }

  /** Log an action done only at commit (J_SETTLE, J_FREE). */
  #atCommit(tag: number, i: number, value: number): void {
    const u32 = this.u32, j = this.#jlen, at = this.sec.jnl + j * 2;
    if (j === this.sec.jnlCap) throw new RangeError("ntsync: journal full");
    u32[at] = (tag << 30 | i) >>> 0;
    u32[at + 1] = value;
    u32[H_JNL_LEN] = this.#jlen = j + 1;
  }

  #pinWord(at: number): void {
    const u32 = this.u32, j = this.#jlen, e = this.sec.jnl + j * 2;
    if (j === this.sec.jnlCap) throw new RangeError("ntsync: journal full");
    // Logged before the pin, with the word as it looks now; corrected to
    // what the atomic or found (a fast path may flip the signaled bit in
    // between, never after: it does not swap a pinned word).
    u32[e] = (J_PIN << 30 | at) >>> 0;
    u32[e + 1] = u32[at];
    u32[H_JNL_LEN] = this.#jlen = j + 1;
    u32[e + 1] = Atomics.or(this.i32, at, EV_PINNED);
    if (crashCountdown !== 0 && --crashCountdown === 0) this.#crash();
  }

  /**
   * Make the section's effects final: results stored (waking sleepers
   * later), records freed, events unpinned with a new version. The phase
   * word says a commit is under way, so that recovery finishes it instead
   * of undoing it; `redo` is that recovery (every step is safe to repeat,
   * and every settled waiter is notified).
   */
  #commit(redo: boolean): void {
    const u32 = this.u32, i32 = this.i32, base = this.sec.jnl;
    const len = this.#jlen;
    u32[H_JNL_PHASE] = JNL_COMMITTING;
    for (let j = 0; j < len; j++) {
      const at = base + j * 2, head = u32[at], tag = head >>> 30;
      if (tag === J_WRITE) continue;
      const i = head & J_INDEX;
      if (tag === J_PIN) {
        const word = i32[i];
        if ((word & EV_PINNED) !== 0) {
          Atomics.store(i32, i, ((word & ~EV_PINNED) + EV_VERSION) | 0);
        }
      } else if (tag === J_SETTLE) {
        if (Atomics.exchange(i32, i, i32[at + 1]) === SLEEPING || redo) {
          this.#toWake.push(i);
        }
      } else if (u32[at + 1] !== 0) {
        // Once: a record taken by reap has no ticket left to stop a second
        // free when a recovery repeats the commit.
        this.freeRecord(i, i32[at + 1]);
        u32[at + 1] = 0;
      }
    }
    u32[H_JNL_LEN] = 0;
    u32[H_JNL_PHASE] = 0;
    this.#jlen = 0;
  }

  /**
   * Just took over an abandoned lock: finish its holder's commit if one was
   * under way, else undo its journal, newest first. Progress is kept in
   * H_JNL_LEN, so that a recovery cut short is resumed by the next one.
   */
  #recover(): void {
    const u32 = this.u32, base = this.sec.jnl;
    this.#toWake.length = 0;
    this.#jlen = u32[H_JNL_LEN];
    if (u32[H_JNL_PHASE] === JNL_COMMITTING) {
      this.#commit(true);
      return;
    }
    for (let j = this.#jlen - 1; j >= 0; j--) {
      const at = base + j * 2, head = u32[at], tag = head >>> 30;
      if (tag === J_WRITE) u32[head] = u32[at + 1];
      else if (tag === J_PIN) Atomics.store(u32, head & J_INDEX, u32[at + 1]);
      // J_SETTLE, J_FREE: done only at commit, so nothing to undo.
      u32[H_JNL_LEN] = this.#jlen = j;
    }
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
   * at or change: an event is pinned first, so that no lock-free path
   * (fast.ts) changes it until `unlockDevice` (which unpins it with a new
   * version). The device lock already keeps every other thread off
   * semaphores and mutexes; pinning extends it to events, so that together
   * they do what `ntsync_lock_obj()` does in drivers/misc/ntsync.c. Only
   * under the device lock.
   */
  pinObject(obj: number): number {
    const at = this.sec.obj + obj * OBJ_WORDS;
    // Only the lock holder sets or clears the pin, so a plain read tells
    // whether this holder has pinned the event already.
    if (
      this.u32[at + O_TYPE] === T_EVENT &&
      (this.i32[at + EVENT_STATE] & EV_PINNED) === 0
    ) this.#pinWord(at + EVENT_STATE);
    return at;
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
    Atomics.store(this.i32, at + EVENT_STATE, signaled ? v | EV_SIGNALED : v);
    if (crashCountdown !== 0 && --crashCountdown === 0) this.#crash();
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
    const ev =
      (Atomics.load(i32, at + EVENT_STATE) & ~(EV_PINNED | EV_SIGNALED)) +
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
        return Atomics.load(u32, at + SEM_COUNT) !== 0;
      case T_MUTEX: {
        const holder = Atomics.load(this.i32, at + MUTEX_OWNER);
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
    this.#atCommit(J_SETTLE, at + R_STATE, index);
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
  #orphaned(at: number): boolean {
    return this.i32[at + R_ORPHAN] === Atomics.load(this.i32, at + R_KIND);
  }

  /** Withdraw an orphaned record's wait and free the record (at commit). */
  #dropOrphan(rec: number): void {
    const at = this.recordAt(rec), ticket = this.i32[at + R_KIND];
    this.withdraw(rec);
    this.#atCommit(J_FREE, rec, ticket);
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
    this.#atCommit(J_SETTLE, at + R_STATE, WITHDRAWN);
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

  /**
   * Take the record holding `ticket` from its waiter, under the lock: its
   * ticket's kind is cleared at once (journaled: undone with the section),
   * so that the waiter's own freeRecord fails from now on, and the record
   * is freed at commit. False if the ticket was no longer current.
   */
  #takeRecord(rec: number, ticket: number): boolean {
    const u32 = this.u32, i = this.recordAt(rec) + R_KIND, j = this.#jlen;
    const e = this.sec.jnl + j * 2;
    if (j === this.sec.jnlCap) throw new RangeError("ntsync: journal full");
    u32[e] = i;
    u32[e + 1] = ticket;
    u32[H_JNL_LEN] = this.#jlen = j + 1;
    const free = ticket & ~3;
    if (Atomics.compareExchange(this.i32, i, ticket, free) !== ticket) {
      u32[H_JNL_LEN] = this.#jlen = j; // nothing was written
      return false;
    }
    this.#atCommit(J_FREE, rec, free);
    if (crashCountdown !== 0 && --crashCountdown === 0) this.#crash();
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
      if (type === T_EVENT) this.pinObject(obj); // pinned: see 4.
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
      if ((this.i32[at + R_KIND] & 3) === 0 || !this.#orphaned(at)) continue;
      this.#dropOrphan(rec);
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
    if (this.#orphaned(at)) {
      this.#dropOrphan(rec);
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
      if (this.#orphaned(at)) this.#dropOrphan(rec);
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

export { FD_DEVICE, FD_OBJECT, T_EVENT, T_MUTEX, T_SEM };
