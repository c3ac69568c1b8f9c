/**
 * Waits, in one place: the options and results (`wait_types.ts`), the
 * memory a wait uses (`wait_slot.ts`), encoding the typed options into
 * `ntsync_wait_args` (`wait_encode.ts`) and decoding the outcome
 * (`wait_decode.ts`). The device's `waitAny`/`waitAll` and their async
 * forms put these together.
 *
 * @module
 */

export type {
  WaitAbandoned,
  WaitAlerted,
  WaitAsyncOptions,
  WaitOptions,
  WaitResult,
  WaitSignaled,
  WaitTimedOut,
} from "./wait_types.ts";
export { WaitSlot } from "./wait_slot.ts";
export { prepareWait } from "./wait_encode.ts";
export { decodeWait, decodeWaitReturn } from "./wait_decode.ts";
