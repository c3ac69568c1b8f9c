/**
 * WAIT_ANY and WAIT_ALL on the emulated device: argument checks in the
 * kernel's order (`setup_wait()`; docs/semantics.md#waits-validation), the
 * attempt at wait start (docs/semantics.md#queue-first-then-try), and
 * queueing for a later claim (docs/semantics.md#who-is-woken-in-what-order). In between, a blocking wait spins: on
 * one event without the device lock (fast.ts), else on all its objects
 * between a first attempt that would queue and a second that does.
 *
 * @module
 */

import { Errno } from "../../uapi/errno.ts";
import { HOST_LITTLE_ENDIAN as LE } from "../../uapi/struct.ts";
import {
  NTSYNC_MAX_WAIT_COUNT,
  NTSYNC_WAIT_ARGS_SIZE,
  NTSYNC_WAIT_REALTIME,
} from "../../uapi/ioctl.ts";
import { WAIT, WAIT_WORD } from "../../uapi/structs.ts";
import { IdentityCache } from "../arg_views.ts";
import type { AddressSpace } from "./addresses.ts";
import type { WaitMemory } from "../wait_memory.ts";
import type { DeviceClock } from "./clock.ts";
import { reached, spinEndMs } from "./clock.ts";
import {
  FD_DEVICE,
  FD_OBJECT,
  O_INST,
  O_TYPE,
  T_EVENT,
  T_MUTEX,
  T_SEM,
  WAIT_KIND_ALL,
  WAIT_KIND_ANY,
} from "./layout.ts";
import type { SharedState } from "./state.ts";
import type { EventFastPath } from "./fast.ts";
import type { MutexFastPath } from "./fast_mutex.ts";
import type { SemFastPath } from "./fast_sem.ts";
import { alertNamesObjectOf, type CountedFastPath } from "./fast_object.ts";
import {
  ALL_ACQUIRED_ABANDONED,
  NOT_ALL_SIGNALED,
  NOT_SIGNALED,
  SLOW_PATH,
  SLOW_PATH_SPUN,
  WOULD_QUEUE,
} from "./results.ts";
import type { Spinner } from "./spin.ts";

/** Has a wall-clock deadline passed? (No clock read for none: ~80 ns saved.) */
function isPast(deadlineMs: number): boolean {
  return deadlineMs !== Infinity && reached(deadlineMs);
}

// `ntsync_wait_args` in 32-bit words (WAIT_WORD: which is which).
const ARGS_WORDS = NTSYNC_WAIT_ARGS_SIZE / 4;

// The args WaitStarter keeps for a wait's later steps, by word.
const A_COUNT = 0;
const A_OWNER = 1;
const A_ALERT = 2;
const A_FLAGS = 3;
const A_TIMEOUT_LO = 4;
const A_TIMEOUT_HI = 5;
const KEPT_WORDS = 6;

/** The outcome of {@linkcode WaitStarter.start}, reused between calls. */
export class WaitStart {
  /** False: acquired at once (`index`, `dead`); true: queued (`rec`, `deadlineMs`). */
  queued = false;
  /** Index acquired (Acquired). */
  index = 0;
  /** An abandoned mutex was acquired (Acquired). */
  dead = false;
  /** The queued record (Queued). */
  rec = -1;
  /** The queued record's ticket, to free it with (Queued). */
  ticket = 0;
  /** Wall-clock deadline in ms, Infinity for none (Queued). */
  deadlineMs = Infinity;
  /** The wait spun for the budget before it queued (Queued; set by WaitCalls). */
  spun = false;
}

/** Starts waits for one backend instance, with scratch space reused. */
export class WaitStarter {
  #fds = new Int32Array(NTSYNC_MAX_WAIT_COUNT);
  #objs = new Int32Array(NTSYNC_MAX_WAIT_COUNT);
  /** Per object: the wait-all that last named it, to find duplicates in O(n). */
  #seen: Uint32Array;
  #seenStamp = 0;
  readonly result: WaitStart = new WaitStart();
  /** The alert `start` resolved last (-1: none), for `spin`. */
  #alert = -1;
  /**
   * The wait's arguments as `check` read them, once, as the kernel copies
   * them in once: later changes to the caller's memory are not seen. A
   * typed array, not fields: a uint32 from 2^31 up (U64_MAX's two halves, a
   * TID-sized owner) stored in a field is a fresh heap number, i.e. an
   * allocation on every wait, and the scavenges stall hand-offs.
   */
  readonly #args = new Uint32Array(KEPT_WORDS);
  /** The args as read from a view that cannot be aliased (see `#words`). */
  readonly #copy = new Uint32Array(ARGS_WORDS);
  /** The args view `check` last passed (its index is written on acquisition). */
  #view: DataView | null = null;
  /** The views seen, and their aliases (null: copied at each wait, see `#words`). */
  readonly #aliases = new IdentityCache<DataView, Uint32Array | null>();

  constructor(
    private readonly st: SharedState,
    private readonly addresses: AddressSpace,
    private readonly clock: DeviceClock,
    private readonly thread: number,
    private readonly fast: EventFastPath,
    private readonly fastMutex: MutexFastPath,
    private readonly fastSem: SemFastPath,
    private readonly spinner: Spinner,
  ) {
    this.#seen = new Uint32Array(st.objCap);
  }

  /**
   * Read the args once and check them, and read `objs` (no lock needed:
   * caller memory only). Returns 0 or a negated errno; after 0, `start`,
   * `tryFast` and `spin` work from what was read here.
   */
  check(arg: DataView | null): number {
    if (arg === null || arg.byteLength < NTSYNC_WAIT_ARGS_SIZE) {
      return -Errno.EFAULT;
    }
    this.#view = arg;
    const w = this.#words(arg);
    const count = this.#keep(w);
    if (count <= 0) return count;
    const lo = w[WAIT_WORD.objs], hi = w[WAIT_WORD.objs + 1];
    if (!this.addresses.read(lo, hi, count, this.#fds)) return -Errno.EFAULT;
    return 0;
  }

  /**
   * `check` for a wait made in `memory` (a WaitMemory of this backend):
   * its words and, where `objs` still holds its own address, its fd array
   * read straight from the memory, with no lookup.
   */
  checkMemory(memory: WaitMemory): number {
    const w = memory.words;
    // Detached (its buffer transferred): EFAULT, as for any such view.
    if (w.length !== ARGS_WORDS) return -Errno.EFAULT;
    this.#view = memory.args;
    const count = this.#keep(w);
    if (count <= 0) return count;
    const lo = w[WAIT_WORD.objs], hi = w[WAIT_WORD.objs + 1];
    const objs = memory.objs;
    if (
      lo === memory.objsLow && hi === memory.objsHigh && objs.length >= count
    ) {
      const fds = this.#fds;
      for (let i = 0; i < count; i++) fds[i] = objs[i];
      return 0;
    }
    if (!this.addresses.read(lo, hi, count, this.#fds)) return -Errno.EFAULT;
    return 0;
  }

  /**
   * Keep the args' words `w` for the wait's later steps and check them in
   * `setup_wait()`'s order: the count of fds to read next, 0 for none, or
   * a negated errno.
   */
  #keep(w: Uint32Array): number {
    const args = this.#args;
    const flags = w[WAIT_WORD.flags],
      count = w[WAIT_WORD.count],
      owner = w[WAIT_WORD.owner];
    args[A_COUNT] = count;
    args[A_OWNER] = owner;
    args[A_ALERT] = w[WAIT_WORD.alert];
    args[A_FLAGS] = flags;
    args[A_TIMEOUT_LO] = w[WAIT_WORD.timeout];
    args[A_TIMEOUT_HI] = w[WAIT_WORD.timeout + 1];
    if (w[WAIT_WORD.pad] !== 0 || (flags & ~NTSYNC_WAIT_REALTIME)) {
      return -Errno.EINVAL;
    }
    if (owner === 0) return -Errno.EINVAL;
    if (count > NTSYNC_MAX_WAIT_COUNT) return -Errno.EINVAL;
    return count;
  }

  /**
   * The args' ten words, each to be read once: on a little-endian host a
   * Uint32Array over the caller's own memory, kept for the next wait with
   * the same view (typed-array loads are cheaper than DataView reads, ~6 ns
   * a wait); else a copy. Only a buffer that cannot change length is
   * aliased, so an alias is good for as long as its view is.
   */
  #words(arg: DataView): Uint32Array {
    let words = this.#aliases.get(arg);
    if (words === undefined) {
      const buffer = arg.buffer as ArrayBuffer | SharedArrayBuffer;
      const fixed =
        !("resizable" in buffer ? buffer.resizable : buffer.growable);
      // null: copied at each wait (remembered too, so that such a view
      // costs one lookup, not a miss through every slot and the WeakMap).
      words = LE && fixed && (arg.byteOffset & 3) === 0
        ? new Uint32Array(buffer, arg.byteOffset, ARGS_WORDS)
        : null;
      this.#aliases.set(arg, words);
    }
    if (words !== null) return words;
    const copy = this.#copy;
    for (let i = 0; i < ARGS_WORDS; i++) copy[i] = arg.getUint32(i * 4, LE);
    return copy;
  }

  /**
   * With the lock held and `check` passed: resolve the fds, try to acquire,
   * else queue (or time out at once). Returns 0 (see `result`) or -errno;
   * or, when told not to `queue`, WOULD_QUEUE (then `spin` may poll the
   * objects it resolved, and a second `start` decides).
   */
  start(instance: number, all: boolean, queue = true): number {
    const st = this.st;
    const args = this.#args;
    const count = args[A_COUNT], alertFd = args[A_ALERT];
    const owner = args[A_OWNER] | 0; // see SharedState: owners travel as int32
    const fds = this.#fds, objs = this.#objs, seen = this.#seen;
    // WAIT_ALL refuses duplicates, the alert included (as `setup_wait()`).
    const stamp = all ? this.#nextStamp() : 0;
    for (let i = 0; i < count; i++) {
      const obj = this.#resolve(fds[i], instance);
      if (obj < 0) return -Errno.EINVAL;
      if (all) {
        if (seen[obj] === stamp) return -Errno.EINVAL;
        seen[obj] = stamp;
      }
      objs[i] = obj;
    }
    let alert = -1;
    if (alertFd !== 0) {
      alert = this.#resolve(alertFd | 0, instance);
      if (alert < 0 || (all && seen[alert] === stamp)) return -Errno.EINVAL;
    }

    const out = this.result;
    // At wait start the lowest index wins and objects beat the alert
    // (docs/semantics.md#wait-any-selection).
    if (all) {
      const got = st.tryAcquireAll(objs, count, owner);
      if (got !== NOT_ALL_SIGNALED) {
        return this.#acquired(0, got === ALL_ACQUIRED_ABANDONED);
      }
    } else {
      for (let i = 0; i < count; i++) {
        if (st.isSignaled(objs[i], owner)) {
          return this.#acquired(i, st.acquire(objs[i], owner));
        }
      }
    }
    if (alert >= 0 && st.isSignaled(alert, owner)) {
      return this.#acquired(count, st.acquire(alert, owner));
    }

    // Nothing to take. A deadline already past never sleeps
    // (docs/semantics.md#timeouts-and-clocks).
    const deadlineMs = this.#deadlineMs();
    if (isPast(deadlineMs)) return -Errno.ETIMEDOUT;
    // Only a wait that has to sleep needs a record: the kernel has no limit
    // on waits, so nothing that finishes at once (an acquisition, a poll)
    // may fail for the emulation's table.
    if (!st.canStartWait()) return -Errno.ENOMEM;
    if (!queue) {
      this.#alert = alert;
      out.deadlineMs = deadlineMs;
      // Behind queued waiters a spin first is futile (see `spin`): queue
      // now, and let the queued wait spin (saves a lock round trip).
      if (!this.#behindQueue(all, objs, count, alert)) return WOULD_QUEUE;
    }
    const rec = st.allocRecord();
    out.ticket = st.enqueue(
      rec,
      all ? WAIT_KIND_ALL : WAIT_KIND_ANY,
      owner,
      objs,
      count,
      alert,
      this.thread,
    );
    out.queued = true;
    out.rec = rec;
    out.deadlineMs = deadlineMs;
    return 0;
  }

  /**
   * Try to finish the wait without the device lock (call after `check`
   * passed): a wait-any on one event, semaphore or mutex and no alert,
   * acquired at once, or after polling it for the spin budget (if `spin`),
   * or a poll that times out; with an alert, only acquired at once (the
   * object wins at wait start; anything else depends on the alert too,
   * which the locked path looks at).
   * Returns 0 (see `result`), -errno, SLOW_PATH (the slow path's, spin and all),
   * or SLOW_PATH_SPUN (the slow path's, but the spin is done: the object
   * stayed unavailable for all of it).
   */
  tryFast(deviceFd: number, all: boolean, spin: boolean): number {
    const args = this.#args;
    if (all || args[A_COUNT] !== 1) return SLOW_PATH;
    const fd = this.#fds[0];
    // The alert is resolved before anything is acquired, as setup_wait()
    // does: an fd that is not an object of this device is EINVAL, which the
    // locked path reports in its place in the order.
    const alone = args[A_ALERT] === 0;
    if (!alone && !this.#alertNamesObjectOf(args[A_ALERT], deviceFd)) {
      return SLOW_PATH;
    }
    // An object this thread used before is known without a look at the fd.
    if (this.fast.knowsEvent(fd)) {
      return this.#tryFastOne(null, deviceFd, fd, -1, alone, spin);
    }
    let at = this.fastSem.rememberedAt(fd);
    if (at >= 0) {
      return this.#tryFastOne(this.fastSem, deviceFd, fd, at, alone, spin);
    }
    at = this.fastMutex.rememberedAt(fd);
    if (at >= 0) {
      return this.#tryFastOne(this.fastMutex, deviceFd, fd, at, alone, spin);
    }
    return this.#tryFastLooked(deviceFd, fd, alone, spin);
  }

  /**
   * `tryFast` on the one object `fd` names, not an event this thread knows:
   * by its type (apart, so that `tryFast` is small enough to inline).
   */
  #tryFastLooked(
    deviceFd: number,
    fd: number,
    alone: boolean,
    spin: boolean,
  ): number {
    // One look (plain reads, a hint: each path checks again after the word).
    const st = this.st;
    if (st.fdKind(fd) !== FD_OBJECT) return SLOW_PATH;
    const at = st.objectAt(st.fdRef(fd));
    switch (st.u32[at + O_TYPE]) {
      case T_EVENT:
        return this.#tryFastOne(null, deviceFd, fd, at, alone, spin);
      case T_MUTEX:
        return this.#tryFastOne(this.fastMutex, deviceFd, fd, at, alone, spin);
      case T_SEM:
        return this.#tryFastOne(this.fastSem, deviceFd, fd, at, alone, spin);
      default:
        return SLOW_PATH;
    }
  }

  /**
   * Does the alert fd `alertFd` name an object of the device `deviceFd`
   * names, at one moment in this call? An event this thread knows is told
   * by one look at its word (the common alert: Wine's is an event).
   */
  #alertNamesObjectOf(alertFd: number, deviceFd: number): boolean {
    const st = this.st;
    if (st.fdKind(deviceFd) !== FD_DEVICE) return false;
    const instance = st.fdRef(deviceFd);
    return this.fast.namesEventOf(alertFd, instance) ||
      alertNamesObjectOf(st, alertFd, instance);
  }

  /**
   * `tryFast` on the one object `fd` names: an event (`counted` null,
   * fast.ts), or the mutex or semaphore at word offset `at`.
   */
  #tryFastOne(
    counted: CountedFastPath | null,
    deviceFd: number,
    fd: number,
    at: number,
    alone: boolean,
    spin: boolean,
  ): number {
    const owner = this.#args[A_OWNER] | 0; // see SharedState: owners as int32
    const r = counted === null
      ? this.fast.acquire(deviceFd, fd)
      : counted.acquire(deviceFd, fd, at, owner);
    if (r === 0) return this.#acquired(0, false);
    return this.#tryFastMissed(counted, deviceFd, fd, at, alone, spin, r);
  }

  /**
   * `#tryFastOne` when the object was not acquired at once (`r`, what its
   * fast path said): a poll's answer, a spin, or the slow path's (apart,
   * so that the acquisition is small enough to inline).
   */
  #tryFastMissed(
    counted: CountedFastPath | null,
    deviceFd: number,
    fd: number,
    at: number,
    alone: boolean,
    spin: boolean,
    r: number,
  ): number {
    // With an alert, a poll's answer and a spin (which would watch the
    // object alone) are the locked path's.
    if (!alone) return SLOW_PATH;
    if (r === NOT_SIGNALED) {
      // Not available when looked at: that is a poll's answer
      // (docs/semantics.md#timeouts-and-clocks).
      const deadlineMs = this.#deadlineMs();
      if (isPast(deadlineMs)) return -Errno.ETIMEDOUT;
      if (!spin) return SLOW_PATH_SPUN;
      const endMs = spinEndMs(deadlineMs);
      const owner = this.#args[A_OWNER] | 0;
      r = counted === null
        ? this.fast.spinAcquire(deviceFd, fd, endMs)
        : counted.spinAcquire(deviceFd, fd, at, owner, endMs);
      if (r === NOT_SIGNALED) return SLOW_PATH_SPUN;
    }
    return r === 0 ? this.#acquired(0, false) : SLOW_PATH;
  }

  /**
   * After `start` said WOULD_QUEUE, without the lock: poll the objects it
   * resolved until one (wait-any) or all (wait-all) look signaled, for at
   * most the spin budget. What they look like is only a hint: the
   * second `start` decides.
   *
   * A hand-off from a running peer then lands on the object itself, and
   * neither side pays for a wait record, its queue links or a futex call.
   * Nobody can tell a wait that spins here from one whose thread has not
   * been scheduled yet: it holds nothing and is in no queue, so FIFO order,
   * pulses and close-during-wait all apply from the second `start` on, as
   * if the ioctl had been called a moment later.
   *
   * Returns whether it spun (not when it found the objects' queues ahead).
   */
  spin(all: boolean): boolean {
    const count = this.#args[A_COUNT], owner = this.#args[A_OWNER] | 0;
    const objs = this.#objs, alert = this.#alert, spinner = this.spinner;
    // Behind queued waiters, nothing released comes to this wait before it
    // queues too (a contended mutex is handed from owner to owner): then
    // queue at once, and spin on the queued wait instead.
    if (this.#behindQueue(all, objs, count, alert)) return false;
    spinner.start(spinEndMs(this.result.deadlineMs));
    for (let polls = 1; !spinner.over(polls); polls++) {
      if (this.#looksReady(all, objs, count, alert, owner)) {
        spinner.caught();
        break;
      }
    }
    return true;
  }

  /**
   * Are the objects such that only a hand-off through the queue can
   * satisfy this wait: for wait-any every object (and the alert) has
   * waiters queued, for wait-all at least one has?
   */
  #behindQueue(
    all: boolean,
    objs: Int32Array,
    count: number,
    alert: number,
  ): boolean {
    const st = this.st;
    if (alert >= 0 && !st.looksQueued(alert)) return false;
    for (let i = 0; i < count; i++) {
      if (st.looksQueued(objs[i]) === all) return all;
    }
    return !all && count > 0;
  }

  #looksReady(
    all: boolean,
    objs: Int32Array,
    count: number,
    alert: number,
    owner: number,
  ): boolean {
    const st = this.st;
    if (alert >= 0 && st.looksSignaled(alert, owner)) return true;
    if (all) {
      for (let i = 0; i < count; i++) {
        if (!st.looksSignaled(objs[i], owner)) return false;
      }
      return count > 0;
    }
    for (let i = 0; i < count; i++) {
      if (st.looksSignaled(objs[i], owner)) return true;
    }
    return false;
  }

  /**
   * The wait's absolute timeout as a wall-clock deadline in ms: Infinity for
   * none (U64_MAX, and on MONOTONIC anything from 2^63), -Infinity for a
   * REALTIME timeout that is long past by definition.
   */
  #deadlineMs(): number {
    const args = this.#args, lo = args[A_TIMEOUT_LO], hi = args[A_TIMEOUT_HI];
    const realtime = (args[A_FLAGS] & NTSYNC_WAIT_REALTIME) !== 0;
    if (hi < 0x8000_0000) {
      // As a double, rounded once as Number(bigint) would round it, without
      // the bigint: a timed wait in a loop allocates nothing.
      return this.clock.deadlineMs(hi * 0x1_0000_0000 + lo, realtime);
    }
    // Measured on Linux 7.2.13: on CLOCK_REALTIME, 2^63 .. 2^64-2 is a
    // negative ktime, i.e. long past (tests/fuzz/probe_timeouts.ts).
    if (realtime && (hi !== 0xffff_ffff || lo !== 0xffff_ffff)) {
      return -Infinity;
    }
    return Infinity;
  }

  #nextStamp(): number {
    if (++this.#seenStamp === 0x1_0000_0000) {
      this.#seen.fill(0);
      this.#seenStamp = 1;
    }
    return this.#seenStamp;
  }

  /**
   * Acquired at once: `index` is copied out to the caller's args now, while
   * the lock is still held (from `start`), so that once the section is
   * committed nothing is left that could fail and lose the acquisition
   * (see JournaledMemory#unlockDevice).
   */
  #acquired(index: number, dead: boolean): number {
    const out = this.result;
    out.queued = false;
    out.index = index;
    out.dead = dead;
    // `check` passed on this view a moment ago, on this thread, and no
    // caller code has run since: it is still long enough.
    this.#view!.setUint32(WAIT.index, index, LE);
    return 0;
  }

  /** The object behind `fd` if it is an object of `instance`, else -1. */
  #resolve(fd: number, instance: number): number {
    const st = this.st;
    if (st.fdKind(fd) !== FD_OBJECT) return -1;
    const obj = st.fdRef(fd);
    return st.u32[st.pinObject(obj) + O_INST] === instance ? obj : -1;
  }
}
