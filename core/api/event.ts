/**
 * The event handle: `set`, `reset`, `pulse` and `read`.
 *
 * @module
 */

import {
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_EVENT_READ,
  NTSYNC_IOC_EVENT_RESET,
  NTSYNC_IOC_EVENT_SET,
} from "../../uapi/ioctl.ts";
import { type ObjectKind, SyncObject } from "./object.ts";
import { closedError } from "./validate.ts";

/**
 * An event's state, as `read()` reports it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using ev = dev.createEvent();
 * const { manual, signaled } = ev.read();
 * assert.deepEqual([manual, signaled], [false, false]);
 * ```
 */
export interface EventState {
  /** True for a manual-reset event, false for auto-reset. */
  readonly manual: boolean;
  /** True when signaled. */
  readonly signaled: boolean;
}

/**
 * An NT event: manual-reset (stays signaled until `reset`) or auto-reset (a
 * wait that acquires it unsignals it). Not the DOM `Event`: import it under
 * another name (`import { Event as NtEvent }`) where both are needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDevice } from "./device.ts";
 * using dev = openDevice("emulated");
 * using ev = dev.createEvent({ manual: true });
 * assert.equal(ev.set(), false); // the previous state
 * assert.deepEqual(ev.read(), { manual: true, signaled: true });
 * assert.equal(ev.pulse(), true); // wakes the waiters there are, then unsignals
 * assert.deepEqual(ev.read(), { manual: true, signaled: false });
 * ```
 */
export class Event extends SyncObject {
  /** Always `"event"`. */
  get kind(): ObjectKind {
    return "event";
  }

  /** Signal the event and wake waiters; returns the previous state. */
  set(): boolean {
    if (this.closed) throw closedError("set", "event");
    this.backend.ioctl(this.fd, NTSYNC_IOC_EVENT_SET, this.args);
    return this.words[0] !== 0;
  }

  /** Unsignal the event; returns the previous state. */
  reset(): boolean {
    if (this.closed) throw closedError("reset", "event");
    this.backend.ioctl(this.fd, NTSYNC_IOC_EVENT_RESET, this.args);
    return this.words[0] !== 0;
  }

  /**
   * Signal, wake the waiters that can take it (one for auto-reset, every
   * queued one for manual-reset), then unsignal, as one atomic step;
   * returns the previous state.
   */
  pulse(): boolean {
    if (this.closed) throw closedError("pulse", "event");
    this.backend.ioctl(this.fd, NTSYNC_IOC_EVENT_PULSE, this.args);
    return this.words[0] !== 0;
  }

  /** The current `{manual, signaled}`. */
  read(): EventState {
    if (this.closed) throw closedError("read", "event");
    this.backend.ioctl(this.fd, NTSYNC_IOC_EVENT_READ, this.args);
    const words = this.words;
    return { manual: words[0] !== 0, signaled: words[1] !== 0 };
  }
}
