/**
 * The shared-memory layout of the emulated device.
 *
 * Everything lives in one `SharedArrayBuffer`, viewed as 32-bit words, so
 * that every Worker attached to the device sees the same fd table, objects
 * and wait queues, as every thread of a process sees the same kernel state.
 *
 * Sections, in order: header, fd table, instances, objects, wait records,
 * wait entries, owner registry, journal. Slots are handed out below a
 * high-water mark, so untouched capacity costs no resident memory.
 *
 * @module
 */

/** Capacities of one emulated device. */
export interface Capacities {
  /** fds (device and object), including the reserved 0..2. EMFILE beyond. */
  maxFds: number;
  /** Live objects (an object outlives its fds while a wait uses it). ENOMEM beyond. */
  maxObjects: number;
  /** Waits in progress at once, across all threads. ENOMEM beyond. */
  maxWaits: number;
}

/** Defaults: roomy, and cheap because unused pages are never touched. */
export const DEFAULT_CAPACITIES: Capacities = {
  maxFds: 4096,
  maxObjects: 4096,
  maxWaits: 4096,
};

/** Identifies a buffer laid out by this version of the engine. */
export const MAGIC = 0x4e545302; // "NTS" v2: the owner registry, MX_SLOT, SEM_FAST

// Header words. The lock has a cache line (16 words) to itself, and so do
// the counters that waiters update without it, so that taking the lock does
// not bounce with them between cores.
/**
 * The device lock: 0 free, else its holder's thread id times 4, plus
 * {@linkcode LOCK_SLEEPERS} and {@linkcode LOCK_ABANDONED}.
 *
 * Guarded by: Atomics on the word itself (compare-and-swap to take and
 * release it, and to set LOCK_SLEEPERS; LOCK_ABANDONED is set by its holder
 * with a plain or, or by a reaper's compare-and-swap): lock.ts.
 */
export const H_LOCK = 0;
/** H_LOCK: a thread may be asleep on the lock; the holder notifies on release. */
export const LOCK_SLEEPERS = 1;
/**
 * H_LOCK: the holder left without unlocking (an exception it could not
 * clean up after, or its thread died): the next locker undoes its journal.
 */
export const LOCK_ABANDONED = 2;
/** H_LOCK: the holder's thread id is the word divided by this. */
export const LOCK_HOLDER = 4;
/**
 * {@linkcode MAGIC}.
 *
 * Guarded by: written once (Atomics.store) before the buffer is shared;
 * read-only after.
 */
export const H_MAGIC = 16;
/**
 * Capacity: fds.
 *
 * Guarded by: written once at creation; read-only after.
 */
export const H_FD_CAP = 17;
/**
 * Capacity: objects.
 *
 * Guarded by: written once at creation; read-only after.
 */
export const H_OBJ_CAP = 18;
/**
 * Capacity: wait records.
 *
 * Guarded by: written once at creation; read-only after.
 */
export const H_REC_CAP = 19;
/**
 * Capacity: instances.
 *
 * Guarded by: written once at creation; read-only after.
 */
export const H_INST_CAP = 20;
/**
 * Head of the free object list (-1: none).
 *
 * Guarded by: the device lock (journaled writes).
 */
export const H_OBJ_FREE = 21;
/**
 * Objects ever handed out (slots above are untouched).
 *
 * Guarded by: the device lock (journaled writes).
 */
export const H_OBJ_HWM = 22;
/**
 * Wait records ever handed out.
 *
 * Guarded by: the device lock (journaled writes).
 */
export const H_REC_HWM = 23;
/**
 * Head of the free instance list (-1: none).
 *
 * Guarded by: the device lock (journaled writes).
 */
export const H_INST_FREE = 24;
/**
 * Instances ever handed out.
 *
 * Guarded by: the device lock (journaled writes).
 */
export const H_INST_HWM = 25;
/**
 * No fd below this is free.
 *
 * Guarded by: the device lock (journaled writes).
 */
export const H_FD_HINT = 26;
/**
 * Objects alive.
 *
 * Guarded by: the device lock (journaled writes); census() reads it after
 * unlocking, a count for leak checks.
 */
export const H_OBJS_LIVE = 27;
/**
 * Instances alive.
 *
 * Guarded by: the device lock (journaled writes); census() reads it after
 * unlocking.
 */
export const H_INSTS_LIVE = 28;
/**
 * Thread ids handed out (1: the creating thread; one more per share()).
 *
 * Guarded by: Atomics.add on the word (share()), no lock.
 */
export const H_THREADS = 29;
/**
 * Free wait records the lock holder pops from: top record + 1 (0: empty),
 * linked through R_NEXT. Only the lock holder touches it (journaled).
 *
 * Guarded by: the device lock (journaled, except the refill from H_REC_FREE,
 * which loses nothing if undone).
 */
export const H_REC_SPARE = 30;
/**
 * Wait records ever taken (by the lock holder, journaled).
 *
 * Guarded by: the device lock (journaled writes).
 */
export const H_RECS_TAKEN = 31;
/**
 * Wait records ever freed (by their waiters, without the lock): in use is
 * H_RECS_TAKEN - H_RECS_FREED (for leak checks and ENOMEM).
 *
 * Guarded by: Atomics.add on the word, by any thread freeing a record, no
 * lock.
 */
export const H_RECS_FREED = 32;
/**
 * Freed wait records, a stack: top record + 1 (0: empty), linked through
 * R_NEXT. Waiters push without the lock; the lock holder takes it whole
 * into H_REC_SPARE when that runs dry.
 *
 * Guarded by: a lock-free stack: pushes by compare-and-swap from any thread
 * (freeRecord); emptied whole by Atomics.exchange under the device lock.
 */
export const H_REC_FREE = 33;
/**
 * The undo journal's length in entries (see journal.ts). Its own line:
 * the holder writes it on every journaled write, and threads spinning on
 * the lock should not see that line move.
 *
 * Guarded by: the device lock (only its holder, or the locker recovering from
 * an abandoned holder, reads or writes it).
 */
export const H_JNL_LEN = 56;
/**
 * The journal's phase: 0 while the holder works, 1 while it commits.
 *
 * Guarded by: the device lock, as H_JNL_LEN.
 */
export const H_JNL_PHASE = 57;
/** H_JNL_PHASE: the holder is committing (recovery finishes the commit). */
export const JNL_COMMITTING = 1;
/**
 * Float64 index of the monotonic clock's base (ms, epoch-relative).
 *
 * Guarded by: written once at creation; read-only after.
 */
export const H_CLOCK_BASE_F64 = 24; // words 48..49
/** Header size in words. */
export const HEADER_WORDS = 64;

/** Fds below this are never ntsync (stdin, stdout, stderr in a real process). */
export const FIRST_FD = 3;

// Fd table: [kind, ref] per fd.
/**
 * Words per fd slot.
 *
 * Guarded by (both words of a slot): the device lock (journaled writes). Fast
 * paths read them without it and trust what they read only while the event's
 * EVENT_STATE keeps its version (fast.ts).
 */
export const FD_WORDS = 2;
/** Fd slot kind: free. */
export const FD_FREE = 0;
/** Fd slot kind: a device instance (ref = instance id). */
export const FD_DEVICE = 1;
/** Fd slot kind: an object (ref = object id). */
export const FD_OBJECT = 2;
/** Fd slot kind: reserved, never ntsync (0..2). */
export const FD_RESERVED = 3;

// Instances: [refs, nextFree].
/**
 * Words per instance slot.
 *
 * Guarded by: the device lock (journaled writes).
 */
export const INST_WORDS = 2;

/**
 * A cache line in words. Objects and wait records each take whole lines, and
 * sections start on one, so that two threads working on different objects
 * (a ping event and its pong) never bounce the same line between cores.
 */
export const LINE_WORDS = 16;

// Objects: 14 words used, padded to a line.
/** Words per object slot. */
export const OBJ_WORDS = LINE_WORDS;
/**
 * Object type (0 free).
 *
 * Guarded by: the device lock (journaled writes). Read without it as a hint
 * (looksSignaled, fast paths), which EVENT_STATE's version or the locked path
 * then checks.
 */
export const O_TYPE = 0;
/**
 * Owning instance id.
 *
 * Guarded by: the device lock (written at creation).
 */
export const O_INST = 1;
/**
 * References: fds plus waits in progress.
 *
 * Guarded by: the device lock (journaled writes).
 */
export const O_REFS = 2;
// The kind's own fields share words 3..5, as the kernel's `union u` in
// `struct ntsync_obj` shares them (drivers/misc/ntsync.c).
/**
 * Semaphore: units available (the kernel's `u.sem.count`), unless they are
 * in EVENT_STATE (SEM_FAST): a semaphore's count is this word plus that
 * field, and one of the two is 0 whenever the object is not pinned.
 *
 * Guarded by: the device lock (journaled writes; a holder pins the object
 * first); looksSignaled reads it atomically without the lock, as a hint.
 */
export const SEM_COUNT = 3;
/**
 * Semaphore: the most units it holds (`u.sem.max`).
 *
 * Guarded by: the device lock (written at creation).
 */
export const SEM_MAX = 4;
/**
 * Mutex: owner id, 0 when unowned (`u.mutex.owner`).
 *
 * Guarded by: the device lock (journaled writes); looksSignaled reads it
 * atomically without the lock, as a hint.
 */
export const MUTEX_OWNER = 3;
/**
 * Mutex: recursion count, 0 when unowned (`u.mutex.count`).
 *
 * Guarded by: the device lock (journaled writes); looksSignaled reads it
 * atomically, as a hint.
 */
export const MUTEX_COUNT = 4;
/**
 * Mutex: 1 when its owner died holding it (`u.mutex.ownerdead`).
 *
 * Guarded by: the device lock (journaled writes).
 */
export const MUTEX_ABANDONED = 5;
/**
 * Event: 1 manual-reset, 0 auto-reset (`u.event.manual`).
 *
 * Guarded by: the device lock (written at creation); fast paths keep a copy,
 * good while EVENT_STATE keeps its version.
 */
export const EVENT_MANUAL = 3;
/**
 * Wait-all entries queued on this object: the kernel's `all_hint`, which
 * tells a wake whether there are wait-all waiters to try at all.
 *
 * Guarded by: the device lock (journaled writes); read atomically without it
 * by fast paths and looksQueued, as a hint.
 */
export const O_ALL_HINT = 6;
/**
 * First entry of the any-waiter queue (-1: empty).
 *
 * Guarded by: the device lock (journaled writes); read atomically without it
 * by fast paths and looksQueued, as a hint.
 */
export const O_ANY_HEAD = 7;
/**
 * Last entry of the any-waiter queue.
 *
 * Guarded by: the device lock (journaled writes).
 */
export const O_ANY_TAIL = 8;
/**
 * First entry of the all-waiter queue.
 *
 * Guarded by: the device lock (journaled writes).
 */
export const O_ALL_HEAD = 9;
/**
 * Last entry of the all-waiter queue.
 *
 * Guarded by: the device lock (journaled writes).
 */
export const O_ALL_TAIL = 10;
/**
 * Next free object.
 *
 * Guarded by: the device lock (journaled writes).
 */
export const O_NEXT = 11;
/**
 * Event: its signaled state (the kernel's `u.event.signaled`), in a word
 * that fast paths (fast.ts) change
 * with compare-and-swap: bit 0 signaled, bit 1 pinned by the device lock's
 * holder, bits 2.. a version bumped whenever a holder lets go of it, or the
 * slot is reused. Every object has the word; events keep their state in it,
 * mutexes their fast-form owner (MX_SLOT) and semaphores a small count
 * (SEM_FAST), both with the version in bits 12 and up.
 *
 * Guarded by: the lock-free protocols (fast.ts, fast_mutex.ts, fast_sem.ts):
 * while EV_PINNED is clear, any thread changes it by compare-and-swap
 * against the word it checked (version included); once the device lock's
 * holder has pinned it (pinObject), only that holder stores to it, until the
 * commit unpins it with a new version.
 */
export const EVENT_STATE = 12;
/**
 * Bumped each time the slot gets a new object, so that a claim's record can
 * tell later whether an object it acquired is still the same one (reap
 * gives back what a reaped thread's claimed wait acquired).
 *
 * Guarded by: the device lock (journaled writes).
 */
export const O_GEN = 13;
/** EVENT_STATE: signaled. */
export const EV_SIGNALED = 1;
/** EVENT_STATE: pinned by the device lock's holder; fast paths stay away. */
export const EV_PINNED = 2;
/** EVENT_STATE: one version step. */
export const EV_VERSION = 4;
/**
 * Owner slots of the owner registry (owners.ts), the first of them unused.
 */
export const MX_SLOTS = 1024;
/** Where a mutex's EVENT_STATE keeps its owner slot. */
export const MX_SLOT_SHIFT = 2;
/**
 * A mutex's EVENT_STATE: bits 2..11 are the slot of its owner in the owner
 * registry while it is held once by that owner in "fast form" (0: MUTEX_OWNER
 * and MUTEX_COUNT say who holds it, if anyone). In fast form MUTEX_OWNER,
 * MUTEX_COUNT and MUTEX_ABANDONED are all 0, so a lock or an unlock is one
 * compare-and-swap of this word (fast_mutex.ts). A holder of the device lock
 * pins a mutex before it looks at it, and pinning moves the owner into
 * MUTEX_OWNER and MUTEX_COUNT (DeviceTables.pinObject); just before commit,
 * a mutex held once by an owner with a slot goes back to fast form.
 */
export const MX_SLOT = (MX_SLOTS - 1) << MX_SLOT_SHIFT;
/**
 * A mutex's or a semaphore's EVENT_STATE: one version step (bits 12..31 are
 * its version).
 */
export const MX_VERSION = MX_SLOTS << MX_SLOT_SHIFT;
/**
 * A semaphore's EVENT_STATE: bits 2..11 are its count while that is at most
 * SEM_FAST_MAX ("fast form": SEM_COUNT is 0 then), so that a release with
 * nobody waiting and a wait on it alone are one compare-and-swap of this
 * word (fast_sem.ts). As for a mutex (MX_SLOT), pinning moves the count
 * into SEM_COUNT, and the commit moves a small enough count back.
 */
export const SEM_FAST = MX_SLOT;
/** Where a semaphore's EVENT_STATE keeps its count in fast form. */
export const SEM_FAST_SHIFT = MX_SLOT_SHIFT;
/** The largest count a semaphore keeps in fast form. */
export const SEM_FAST_MAX = MX_SLOTS - 1;

/** Object type: semaphore. */
export const T_SEM = 1;
/** Object type: mutex. */
export const T_MUTEX = 2;
/** Object type: event. */
export const T_EVENT = 3;

// Wait records: 9 words used, padded to a line.
/** Words per wait record. */
export const REC_WORDS = LINE_WORDS;
/**
 * The word waiters sleep on: -1 pending, >= 0 claimed with that index.
 *
 * Guarded by: Atomics on the word: the device lock's holder settles it at
 * commit (Atomics.exchange), and only then; the waiter turns PENDING into
 * SLEEPING by compare-and-swap and reads it with Atomics.load.
 */
export const R_STATE = 0;
/**
 * The record's ticket: `generation << 2 | kind`, kind 0 free, 1 wait-any,
 * 2 wait-all. Freeing compares-and-swaps the whole ticket, so a record is
 * freed exactly once even when a reaper and a dying waiter race.
 *
 * Guarded by: Atomics on the word: set under the device lock (writeAtomic)
 * when the wait is queued; cleared by compare-and-swap, once, by whoever
 * frees the record (its waiter without the lock, or reap and the commit under
 * it).
 */
export const R_KIND = 1;
/**
 * The wait's mutex owner id.
 *
 * Guarded by: the device lock (journaled, written when the wait is queued).
 */
export const R_OWNER = 2;
/**
 * Objects named (the alert, if any, is entry `count`).
 *
 * Guarded by: the device lock (journaled, written when the wait is queued).
 */
export const R_COUNT = 3;
/**
 * Entries: count, plus one for the alert.
 *
 * Guarded by: the device lock (journaled, written when the wait is queued).
 */
export const R_TOTAL = 4;
/**
 * Set when the claim acquired an abandoned mutex.
 *
 * Guarded by: the device lock (journaled, written by the claim); the waiter
 * reads it after R_STATE is settled (the settle's Atomics orders it).
 */
export const R_DEAD = 5;
/**
 * Thread that owns the wait (see EmulatedBackend#reap).
 *
 * Guarded by: the device lock (journaled, written when the wait is queued).
 */
export const R_THREAD = 6;
/**
 * Next record on the free stack (record + 1, 0: none).
 *
 * Guarded by: the thread freeing the record, which owns it from its winning
 * compare-and-swap on R_KIND until its push onto H_REC_FREE; then the device
 * lock's holder, who pops it.
 */
export const R_NEXT = 7;
/**
 * Set (a plain store, no lock) by a waiter that leaves its wait through an
 * exception and could not withdraw it: a claim skips such a record and
 * withdraws it instead, and so does census().
 *
 * Guarded by: owner-thread only: its waiter writes it (a plain store, once,
 * leaving); lock holders read it under the device lock, against R_KIND.
 */
export const R_ORPHAN = 8;

/**
 * Not an R_STATE: what a waiter sees when reap took its record (the
 * record's ticket changed); the call then fails ESRCH.
 */
export const REAPED = -4;
/** R_STATE: nobody has claimed the wait yet (the waiter is spinning). */
export const PENDING = -1;
/** R_STATE: the waiter gave up (timeout, abort) and withdrew its entries. */
export const WITHDRAWN = -2;
/**
 * R_STATE: pending, and the waiter is (about to be) asleep in Atomics.wait:
 * only then does a claim pay for Atomics.notify.
 */
export const SLEEPING = -3;

/** R_KIND values. */
export const WAIT_KIND_ANY = 1;
/** R_KIND: wait-all. */
export const WAIT_KIND_ALL = 2;

// Wait entries: 65 per record (64 objects + alert).
/** Entries per record. */
export const ENTRIES_PER_REC = 65;
/**
 * Words per entry.
 *
 * Guarded by (every word of an entry): the device lock (journaled writes).
 */
export const ENT_WORDS = 4;
/** Object the entry waits on. */
export const E_OBJ = 0;
/**
 * Previous entry in the object's queue (-1: head). Once a claim has
 * unlinked the record, an acquired entry keeps `O_GEN << 1 | abandoned`
 * here instead, for reap to give the object back (see
 * SharedState#reapThread).
 */
export const E_PREV = 1;
/** Next entry in the object's queue (-1: tail). */
export const E_NEXT = 2;
/** Which queue the entry is linked into: 0 none, 1 any, 2 all. */
export const E_QUEUE = 3;

/** Where each section starts, in words. */
export interface Sections {
  fd: number;
  inst: number;
  obj: number;
  rec: number;
  ent: number;
  /**
   * The owner registry: MX_SLOTS words, word 0 the count of owners added
   * since it was last emptied, the others owner ids (0: free). Guarded by:
   * the device lock for writes (an owner added with an atomic store; the
   * whole table emptied, journaled, only while every mutex is pinned); read
   * by anyone (owners.ts).
   */
  own: number;
  /**
   * The undo journal's entries (two words each). Guarded by: the device
   * lock (its holder, or the locker recovering from an abandoned holder).
   */
  jnl: number;
  /** Entries the journal holds. */
  jnlCap: number;
  totalWords: number;
}

/** Compute the section offsets for the given capacities. */
export function sections(
  fdCap: number,
  objCap: number,
  recCap: number,
  instCap: number,
): Sections {
  const fd = HEADER_WORDS;
  const inst = toLine(fd + fdCap * FD_WORDS);
  const obj = toLine(inst + instCap * INST_WORDS);
  const rec = toLine(obj + objCap * OBJ_WORDS);
  const ent = toLine(rec + recCap * REC_WORDS);
  const own = toLine(ent + recCap * ENTRIES_PER_REC * ENT_WORDS);
  const jnl = toLine(own + MX_SLOTS);
  const jnlCap = journalCapacity(objCap, recCap);
  const totalWords = jnl + jnlCap * 2;
  return { fd, inst, obj, rec, ent, own, jnl, jnlCap, totalWords };
}

/**
 * The most journaled writes one locked section can make. The largest
 * sections wake, withdraw or reap every wait record: per entry at most 4
 * writes to unlink it, 1 to drop its reference and 3 to acquire (a mutex),
 * per record 4 more (result, orphan flag, settle, free); every object may
 * be freed (at most 8 writes: type, free list, counters, its instance) and
 * pinned once (1, and for a mutex or semaphore up to 2 to take it out of
 * its lock-free form and 3 to put it back before commit). Untouched journal pages cost no memory.
 */
function journalCapacity(objCap: number, recCap: number): number {
  return recCap * (ENTRIES_PER_REC * 8 + 4) + objCap * 15 + 1024;
}

/** `words` rounded up to a whole cache line. */
function toLine(words: number): number {
  return Math.ceil(words / LINE_WORDS) * LINE_WORDS;
}
