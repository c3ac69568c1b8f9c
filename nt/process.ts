/**
 * An NT process as one thread sees it: the backend and ntsync device every
 * object lives on, the shared memory with the process's tables, and the
 * token that lets a Worker join it.
 *
 * @module
 */

import {
  attachBackend,
  type Backend,
  type BackendChoice,
  getBackend,
  NTSYNC_IOC_CREATE_EVENT,
  NTSYNC_IOC_CREATE_MUTEX,
  NTSYNC_IOC_CREATE_SEM,
  type ShareToken,
} from "../mod.ts";
import { HandleTable } from "./handles.ts";
import { HDR, SharedProcessMemory } from "./shared.ts";
import { freeThreadRow } from "./threads.ts";

/**
 * What a Worker needs to join a process (structured-cloneable).
 *
 * @example
 * ```ts
 * import { NtProcess } from "./process.ts";
 * const process = NtProcess.create("emulated");
 * const token = process.share(); // postMessage this to a Worker
 * token.deviceFd === process.deviceFd; // true
 * process.close();
 * ```
 */
export interface ProcessToken {
  /** The backend's share token. */
  readonly backend: ShareToken;
  /** The ntsync device every object of the process is on. */
  readonly deviceFd: number;
  /** The process's tables. */
  readonly memory: SharedArrayBuffer;
}

/** One process, from one thread. */
export class NtProcess {
  /** The ioctl surface this thread calls. */
  readonly backend: Backend;
  /** The device fd. */
  readonly deviceFd: number;
  /** The shared tables. */
  readonly mem: SharedProcessMemory;
  /** Objects and handles. */
  readonly table: HandleTable;
  /** True in the thread that opened the device (it closes it). */
  readonly owner: boolean;
  readonly #args = new Uint32Array(2);

  private constructor(
    backend: Backend,
    deviceFd: number,
    mem: SharedProcessMemory,
    owner: boolean,
  ) {
    this.backend = backend;
    this.deviceFd = deviceFd;
    this.mem = mem;
    this.table = new HandleTable(mem, backend);
    this.table.onThreadFreed = (row) => freeThreadRow(this, row);
    this.owner = owner;
  }

  /** A new process on a new device of `kind`'s backend. */
  static create(kind: Backend | BackendChoice = "auto"): NtProcess {
    const backend = typeof kind === "string" ? getBackend(kind) : kind;
    const fd = backend.open();
    const mem = new SharedProcessMemory();
    mem.words[HDR.deviceFd] = fd;
    mem.words[HDR.pid] = 0x1000 + (fd & 0xFFF) * 4;
    const process = new NtProcess(backend, fd, mem, true);
    // The process object: waitable, signaled only when the process ends.
    const obj = process.table.addObject("process", process.createEvent(1, 0));
    mem.words[HDR.processObject] = obj;
    process.table.reference(obj, 0); // the process keeps itself alive
    return process;
  }

  /** Join the process a `share()` token describes (in a Worker). */
  static attach(token: ProcessToken): NtProcess {
    return new NtProcess(
      attachBackend(token.backend),
      token.deviceFd,
      new SharedProcessMemory(token.memory),
      false,
    );
  }

  /** The token for {@linkcode NtProcess.attach}. */
  share(): ProcessToken {
    return {
      backend: this.backend.share(),
      deviceFd: this.deviceFd,
      memory: this.mem.buffer,
    };
  }

  /** The process object's row (what `GetCurrentProcess()` refers to). */
  get processObject(): number {
    return this.mem.words[HDR.processObject];
  }

  /** The process id `GetCurrentProcessId` reports. */
  get pid(): number {
    return this.mem.words[HDR.pid];
  }

  /** `NTSYNC_IOC_CREATE_EVENT`: a new event fd (throws `NtsyncError`). */
  createEvent(manual: number, signaled: number): number {
    const a = this.#args;
    a[0] = manual;
    a[1] = signaled;
    return this.backend.ioctl(this.deviceFd, NTSYNC_IOC_CREATE_EVENT, a);
  }

  /** `NTSYNC_IOC_CREATE_MUTEX`: a new mutex fd. */
  createMutex(owner: number, count: number): number {
    const a = this.#args;
    a[0] = owner;
    a[1] = count;
    return this.backend.ioctl(this.deviceFd, NTSYNC_IOC_CREATE_MUTEX, a);
  }

  /** `NTSYNC_IOC_CREATE_SEM`: a new semaphore fd. */
  createSemaphore(count: number, max: number): number {
    const a = this.#args;
    a[0] = count;
    a[1] = max;
    return this.backend.ioctl(this.deviceFd, NTSYNC_IOC_CREATE_SEM, a);
  }

  /** Close the device (the opening thread only; every object goes with it). */
  close(): void {
    if (this.owner) this.backend.close(this.deviceFd);
  }
}
