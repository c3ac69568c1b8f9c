/**
 * ntsync for Deno: the Windows NT synchronization model of Linux's
 * `/dev/ntsync` (semaphores, owned recursive mutexes, auto/manual events,
 * vectored wait-any/wait-all with alerts), on the real driver or on an exact
 * emulation shared by every Worker of the process.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getBackend, NTSYNC_IOC_CREATE_SEM, NTSYNC_IOC_SEM_READ, SemArgs } from "./mod.ts";
 * const nt = getBackend(); // native if /dev/ntsync works, else emulated
 * const dev = nt.open();
 * const sem = nt.ioctl(dev, NTSYNC_IOC_CREATE_SEM, SemArgs.alloc({ count: 0, max: 1 }));
 * assert.ok(sem > dev); // the lowest free fd, as open(2) picks it
 * const state = SemArgs.alloc({ count: 0, max: 0 });
 * assert.equal(nt.ioctl(sem, NTSYNC_IOC_SEM_READ, state), 0);
 * assert.deepEqual(SemArgs.read(state), { count: 0, max: 1 });
 * nt.close(sem);
 * nt.close(dev);
 * ```
 *
 * @module
 */

export * from "./uapi/mod.ts";
export { NtsyncError } from "./core/errors.ts";
export {
  EmulatedBackend,
  type EmulatedOptions,
} from "./core/emulated/backend.ts";
export {
  NativeUnavailableError,
  type NativeUnavailableReason,
} from "./ffi/errors.ts";
export type {
  Backend,
  BackendChoice,
  BackendKind,
  ClockName,
  IoctlAsyncOptions,
  ReapOptions,
  ShareToken,
} from "./core/backend.ts";
export { WaitMemory } from "./core/wait_memory.ts";
export {
  attachBackend,
  type AutoChoice,
  chooseAutoBackend,
  getBackend,
} from "./select/registry.ts";
export {
  attachDevice,
  Device,
  type DeviceToken,
  Event,
  type EventOptions,
  type EventState,
  Mutex,
  MutexGuard,
  type MutexState,
  type ObjectKind,
  openDevice,
  Semaphore,
  type SemaphoreState,
  SyncObject,
  type WaitAbandoned,
  type WaitAlerted,
  type WaitAsyncOptions,
  type WaitOptions,
  type WaitResult,
  type WaitSignaled,
  type WaitTimedOut,
} from "./core/api/mod.ts";
