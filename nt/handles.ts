/**
 * The handle table and the object table behind it, in the process's shared
 * memory. A handle is a number, a multiple of 4 from 4 up; its low two bits
 * are ignored on lookup, as on Windows (and as Wine's `(handle >> 2) - 1`
 * cache index in `dlls/ntdll/unix/sync.c`). Each object holds one ntsync fd
 * and a reference count: every handle is a reference, and so is every call
 * in flight (Wine's `inproc_sync` refcount), so an fd is closed only when no
 * call can still use it.
 *
 * Because a wait in progress holds a reference, a mutex whose handles were
 * all closed keeps its fd while a thread waits on it, so the owner's death
 * can still abandon it with `NTSYNC_IOC_MUTEX_KILL` and wake that waiter, as
 * Windows does (Wine 11 forgets such a mutex: Wine bug 60417).
 *
 * @module
 */

import type { Backend } from "../mod.ts";
import type { ObjectType } from "./access.ts";
import { freeName } from "./names.ts";
import { HANDLE, OBJ, type SharedProcessMemory } from "./shared.ts";

const TYPE_CODES: Readonly<Record<ObjectType, number>> = {
  event: 1,
  mutant: 2,
  semaphore: 3,
  thread: 4,
  process: 5,
};
const TYPES: readonly (ObjectType | undefined)[] = [
  undefined,
  "event",
  "mutant",
  "semaphore",
  "thread",
  "process",
];

/** `GetCurrentProcess()`: the pseudo-handle -1. */
export const CURRENT_PROCESS = -1;
/** `GetCurrentThread()`: the pseudo-handle -2. */
export const CURRENT_THREAD = -2;

/** True for the pseudo-handles (`(HANDLE)-6` up to `(HANDLE)-1`). */
export function isPseudoHandle(handle: number): boolean {
  return (handle >>> 0) >= 0xFFFF_FFFA;
}

/** What a handle refers to, with a reference held until `release`. */
export interface ObjectRef {
  /** The object's row. */
  readonly index: number;
  /** Its type. */
  readonly type: ObjectType;
  /** Its ntsync fd. */
  readonly fd: number;
  /** The access the handle grants (all rights for a pseudo-handle). */
  readonly access: number;
}

/**
 * The object and handle tables of one process, as one thread uses them.
 *
 * @example
 * ```ts
 * import { getBackend } from "../mod.ts";
 * import { HandleTable } from "./handles.ts";
 * import { SharedProcessMemory } from "./shared.ts";
 * const backend = getBackend("emulated");
 * const table = new HandleTable(new SharedProcessMemory(), backend);
 * const object = table.addObject("event", 1000);
 * const h = table.addHandle(object, 0x1F0003); // 4
 * table.lookup(h | 3)?.index === object; // true: low bits ignored
 * ```
 */
export class HandleTable {
  readonly #mem: SharedProcessMemory;
  readonly #w: Int32Array;
  readonly #backend: Backend;

  /** The tables in `mem`; fds are closed through `backend`. */
  constructor(mem: SharedProcessMemory, backend: Backend) {
    this.#mem = mem;
    this.#w = mem.words;
    this.#backend = backend;
  }

  #row(index: number): number {
    return OBJ.base + index * OBJ.words;
  }

  /**
   * A new object row holding `fd` with no references yet, or -1 when the
   * table is full. Call under the process lock or before sharing.
   */
  addObject(type: ObjectType, fd: number, name = -1): number {
    const w = this.#w;
    for (let i = 0; i < OBJ.max; i++) {
      const r = this.#row(i);
      if (w[r + OBJ.type] !== 0) continue;
      w[r + OBJ.type] = TYPE_CODES[type];
      w[r + OBJ.fd] = fd;
      w[r + OBJ.refs] = 0;
      w[r + OBJ.handles] = 0;
      w[r + OBJ.name] = name + 1;
      w[r + OBJ.flags] = 0;
      w[r + OBJ.extra] = 0;
      return i;
    }
    return -1;
  }

  /** The type of object row `index`, or undefined if free. */
  typeOf(index: number): ObjectType | undefined {
    return TYPES[this.#w[this.#row(index) + OBJ.type]];
  }

  /** The fd of object row `index`. */
  fdOf(index: number): number {
    return this.#w[this.#row(index) + OBJ.fd];
  }

  /** The extra word of object row `index` (a thread object's thread row). */
  extraOf(index: number): number {
    return this.#w[this.#row(index) + OBJ.extra];
  }

  /** Set the extra word of object row `index`. */
  setExtra(index: number, value: number): void {
    this.#w[this.#row(index) + OBJ.extra] = value;
  }

  /** Record that object row `index` is named in name slot `slot`. */
  setName(index: number, slot: number): void {
    this.#w[this.#row(index) + OBJ.name] = slot + 1;
  }

  /** The name slot of object row `index`, or -1. */
  nameOf(index: number): number {
    return this.#w[this.#row(index) + OBJ.name] - 1;
  }

  /**
   * A new handle to object `index` granting `access`, or 0 when the handle
   * table is full. Takes the process lock.
   */
  addHandle(index: number, access: number): number {
    return this.#mem.locked(() => {
      const w = this.#w;
      for (let i = 0; i < HANDLE.max; i++) {
        const h = HANDLE.base + i * HANDLE.words;
        if (w[h + HANDLE.object] !== 0) continue;
        w[h + HANDLE.object] = index + 1;
        w[h + HANDLE.access] = access;
        const r = this.#row(index);
        w[r + OBJ.refs]++;
        w[r + OBJ.handles]++;
        return (i + 1) * 4;
      }
      return 0;
    });
  }

  #slot(handle: number): number {
    if (typeof handle !== "number" || !Number.isInteger(handle)) return -1;
    const i = ((handle >>> 0) >>> 2) - 1;
    return i >= 0 && i < HANDLE.max ? HANDLE.base + i * HANDLE.words : -1;
  }

  /**
   * What `handle` refers to, taking a reference the caller gives back with
   * {@linkcode HandleTable.release}; null for a handle that is not open.
   * Pseudo-handles are resolved by the caller, not here.
   */
  lookup(handle: number): ObjectRef | null {
    const h = this.#slot(handle);
    if (h < 0) return null;
    return this.#mem.locked(() => {
      const w = this.#w;
      const index = w[h + HANDLE.object] - 1;
      if (index < 0) return null;
      const r = this.#row(index);
      w[r + OBJ.refs]++;
      return {
        index,
        type: TYPES[w[r + OBJ.type]]!,
        fd: w[r + OBJ.fd],
        access: w[h + HANDLE.access] >>> 0,
      };
    });
  }

  /** A reference to object `index` (for pseudo-handles and internal use). */
  reference(index: number, access: number): ObjectRef {
    return this.#mem.locked(() => {
      const r = this.#row(index);
      this.#w[r + OBJ.refs]++;
      return {
        index,
        type: TYPES[this.#w[r + OBJ.type]]!,
        fd: this.#w[r + OBJ.fd],
        access,
      };
    });
  }

  /** Give back a reference from `lookup`/`reference`. */
  release(ref: ObjectRef | number): void {
    const index = typeof ref === "number" ? ref : ref.index;
    this.#mem.locked(() => this.#unref(index));
  }

  /** Close `handle`: false when it is not open. Takes the process lock. */
  close(handle: number): boolean {
    const h = this.#slot(handle);
    if (h < 0) return false;
    return this.#mem.locked(() => {
      const w = this.#w;
      const index = w[h + HANDLE.object] - 1;
      if (index < 0) return false;
      w[h + HANDLE.object] = 0;
      w[h + HANDLE.access] = 0;
      const r = this.#row(index);
      if (--w[r + OBJ.handles] === 0 && w[r + OBJ.name] > 0) {
        // A temporary object leaves the namespace with its last handle.
        freeName(this.#mem, w[r + OBJ.name] - 1);
        w[r + OBJ.name] = 0;
      }
      this.#unref(index);
      return true;
    });
  }

  #unref(index: number): void {
    const w = this.#w;
    const r = this.#row(index);
    if (--w[r + OBJ.refs] > 0) return;
    this.#free(index);
  }

  /**
   * Called (under the process lock) when a thread object goes, with its
   * thread row: the thread has ended and no handle names it any more.
   */
  onThreadFreed: ((row: number) => void) | undefined;

  #free(index: number): void {
    const w = this.#w;
    const r = this.#row(index);
    const fd = w[r + OBJ.fd];
    if (w[r + OBJ.type] === TYPE_CODES.thread && w[r + OBJ.extra] > 0) {
      this.onThreadFreed?.(w[r + OBJ.extra] - 1);
    }
    if (w[r + OBJ.name] > 0) freeName(this.#mem, w[r + OBJ.name] - 1);
    w.fill(0, r, r + OBJ.words);
    try {
      this.#backend.close(fd);
    } catch {
      // already gone (the device was closed): nothing left to release
    }
  }

  /**
   * Every mutex fd the process still holds (including mutexes whose handles
   * are closed but that a wait still references): what a dying thread's
   * mutexes are abandoned on.
   */
  mutexFds(): number[] {
    return this.#mem.locked(() => {
      const out: number[] = [];
      const w = this.#w;
      for (let i = 0; i < OBJ.max; i++) {
        const r = this.#row(i);
        if (w[r + OBJ.type] === TYPE_CODES.mutant) out.push(w[r + OBJ.fd]);
      }
      return out;
    });
  }

  /** Close every object's fd (the process ends). */
  closeAll(): void {
    this.#mem.locked(() => {
      const w = this.#w;
      for (let i = 0; i < OBJ.max; i++) {
        if (w[this.#row(i) + OBJ.type] !== 0) this.#free(i);
      }
      w.fill(0, HANDLE.base, HANDLE.base + HANDLE.max * HANDLE.words);
    });
  }

  /** Number of open handles (for tests and leak checks). */
  handleCount(): number {
    let n = 0;
    for (let i = 0; i < HANDLE.max; i++) {
      if (this.#w[HANDLE.base + i * HANDLE.words] !== 0) n++;
    }
    return n;
  }
}
