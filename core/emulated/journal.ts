/**
 * The device lock and the undo journal: every shared-memory write under the
 * lock is logged first, so that a section cut short (an exception at the
 * stack's limit, a thread that died holding the lock) is undone by the next
 * locker, and a section that was committing is finished by it. The kernel
 * needs nothing like it: a kernel thread cannot die half-way through a
 * spinlocked section, and a JS thread can.
 *
 * @module
 */

import {
  EV_PINNED,
  EV_VERSION,
  EVENT_STATE,
  H_FD_CAP,
  H_INST_CAP,
  H_JNL_LEN,
  H_JNL_PHASE,
  H_LOCK,
  H_MAGIC,
  H_OBJ_CAP,
  H_REC_CAP,
  JNL_COMMITTING,
  LOCK_ABANDONED,
  LOCK_HOLDER,
  MAGIC,
  MX_VERSION,
  O_TYPE,
  type Sections,
  sections,
  SLEEPING,
  T_EVENT,
} from "./layout.ts";
import { IntList } from "./int_list.ts";
import { lock, RELEASED_WAKE, unlock } from "./lock.ts";

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
/** The injected crash kills the thread (see JournaledMemory#crash). */
let crashKills = false;

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
 * import { injectCrashAfter } from "./journal.ts";
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

/**
 * Views over one device's shared memory, the device lock, and the undo
 * journal every write under it goes through. The tables (tables.ts), the
 * wait queues (queues.ts) and reap (state.ts) build on it.
 */
export abstract class JournaledMemory {
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
   * path reads and clears it without a call (see the catch blocks
   * backend.ts describes).
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

  protected constructor(buffer: SharedArrayBuffer) {
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
    // Still part of the section (journaled, undone if it throws).
    this.beforeCommit();
    const changed = this.#jlen !== 0;
    // From this store on, the section takes effect whatever happens: a
    // locker that finds the lock abandoned finishes the commit instead of
    // undoing it. A plain store, no call, so it cannot fail.
    if (changed) this.u32[H_JNL_PHASE] = JNL_COMMITTING;
    let released = false;
    try {
      if (changed) this.#commit(false);
      const how = unlock(this.i32, H_LOCK, this.#me);
      released = true;
      this.holding = false;
      if (how === RELEASED_WAKE) Atomics.notify(this.i32, H_LOCK, 1);
      const toWake = this.#toWake, items = toWake.items;
      for (let i = 0; i < toWake.length; i++) {
        Atomics.notify(this.i32, items[i]);
      }
      toWake.length = 0;
    } catch (e) {
      // A stack overflow in the commit or the release (nothing else can
      // throw there). Without changes, nothing took effect: the caller's
      // catch block undoes nothing and reports it.
      if (!changed) throw e;
      // The section took effect, so the call must not report a failure
      // (a created object's fd nobody would learn): leave the lock marked
      // abandoned, with no call, and return. The next locker finishes the
      // commit and wakes every waiter it settled; a waiter whose wake-up
      // was lost finds its result at its next timed look (SLICE_MS).
      this.#toWake.length = 0;
      if (!released) {
        this.holding = false;
        this.i32[H_LOCK] |= LOCK_ABANDONED;
      }
    }
  }

  /**
   * Whether the lock word still names this thread as its holder, whatever
   * `holding` says: after a thread was killed inside a section (see
   * injectCrashAfter), it does until someone recovers the lock.
   */
  lockNamesMe(): boolean {
    return (Atomics.load(this.i32, H_LOCK) & ~(LOCK_HOLDER - 1)) === this.#me;
  }

  /**
   * Last writes of a section, made by `unlockDevice` before it commits
   * (DeviceTables puts mutexes and semaphores back in their lock-free form
   * there).
   */
  protected beforeCommit(): void {}

  /**
   * After an exception inside a locked section, once the lock word is
   * marked abandoned (see the catch blocks backend.ts describes): take the
   * lock back, undo the section, release. May itself throw near the stack's limit; the lock
   * stays marked abandoned then, and the next locker recovers.
   */
  recoverAbandoned(): void {
    this.lockDevice();
    this.unlockDevice();
  }

  /**
   * `recoverAbandoned`, for a catch block that has marked the lock
   * abandoned and is about to rethrow: near the stack's limit, where the
   * recovery fails too, the lock stays marked and the next locker recovers.
   */
  recoverOrLeaveToNextLocker(): void {
    try {
      this.recoverAbandoned();
    } catch { /* the next locker recovers */ }
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

  /**
   * Pin the event word `at` (journaled: the entry keeps the word as it
   * was, and the commit unpins it with a new version).
   */
  protected pinWord(at: number): void {
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
          // An event's version starts at bit 2, a mutex's or semaphore's
          // above its owner slot or count (layout.ts, MX_VERSION); a freed
          // object's word takes the latter step.
          const step = this.u32[i - EVENT_STATE + O_TYPE] === T_EVENT
            ? EV_VERSION
            : MX_VERSION;
          Atomics.store(i32, i, ((word & ~EV_PINNED) + step) | 0);
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

  /**
   * A journaled compare-and-swap of word `i` from `expected` to `value`:
   * true if it swapped (undone with the section), false if the word was
   * not `expected` (nothing written, nothing logged).
   */
  protected writeIfEqual(i: number, expected: number, value: number): boolean {
    const u32 = this.u32, j = this.#jlen, e = this.sec.jnl + j * 2;
    if (j === this.sec.jnlCap) throw new RangeError("ntsync: journal full");
    u32[e] = i;
    u32[e + 1] = expected;
    u32[H_JNL_LEN] = this.#jlen = j + 1;
    if (Atomics.compareExchange(this.i32, i, expected, value) !== expected) {
      u32[H_JNL_LEN] = this.#jlen = j; // nothing was written
      return false;
    }
    if (crashCountdown !== 0 && --crashCountdown === 0) this.#crash();
    return true;
  }

  /**
   * An atomic store to a word this holder pinned (`pinWord`): not
   * journaled, as the pin's journal entry holds the whole word as it was.
   */
  protected storePinned(i: number, value: number): void {
    Atomics.store(this.i32, i, value);
    if (crashCountdown !== 0 && --crashCountdown === 0) this.#crash();
  }

  /**
   * At commit, store `value` in the waiter's state word `i` and wake the
   * waiter if it sleeps (never done before the commit, so never undone).
   */
  protected settleAtCommit(i: number, value: number): void {
    this.#atCommit(J_SETTLE, i, value);
  }

  /** At commit, free record `rec` whose ticket is then `ticket` (`freeRecord`). */
  protected freeAtCommit(rec: number, ticket: number): void {
    this.#atCommit(J_FREE, rec, ticket);
  }

  /**
   * Return a record whose waiter has read its result (no lock needed);
   * the commit calls it for records freed at commit.
   */
  abstract freeRecord(rec: number, ticket: number): boolean;
}
