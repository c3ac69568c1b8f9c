/**
 * The typed API: devices, semaphores, mutexes, events and waits, built only
 * on the {@linkcode Backend} ioctl surface.
 *
 * @example
 * ```ts
 * import { openDevice } from "./mod.ts";
 * using dev = openDevice();
 * using sem = dev.createSemaphore(1, 4);
 * dev.waitAny([sem], { timeout: 0 }); // { status: "signaled", index: 0 }
 * sem.release(2); // 0
 * ```
 *
 * @module
 */

export {
  attachDevice,
  Device,
  type DeviceToken,
  type EventOptions,
  openDevice,
} from "./device.ts";
export { type ObjectKind, SyncObject } from "./object.ts";
export { Semaphore, type SemaphoreState } from "./semaphore.ts";
export { Mutex, type MutexState } from "./mutex.ts";
export { Event, type EventState } from "./event.ts";
export type {
  WaitAbandoned,
  WaitAlerted,
  WaitAsyncOptions,
  WaitOptions,
  WaitResult,
  WaitSignaled,
  WaitTimedOut,
} from "./wait.ts";
// The backend types the typed API's signatures mention, so this entry point
// documents completely on its own (the same bindings as the root mod.ts's).
export type {
  Backend,
  BackendChoice,
  BackendKind,
  ClockName,
  IoctlAsyncOptions,
  ReapOptions,
  ShareToken,
} from "../backend.ts";
