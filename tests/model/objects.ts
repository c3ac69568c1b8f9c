/**
 * The reference model's object states and the kernel's per-type rules
 * (`is_signaled()`, docs/semantics.md#objects): when an object is signaled for a waiter, and what
 * acquiring it does. Pure functions over plain records, so each rule reads
 * like the table it comes from.
 *
 * @module
 */

/** The largest `__u32`. */
export const U32_MAX = 0xffff_ffff;

/** A model instance: only its identity matters (objects point at it). */
export interface ModelInstance {
  /** A number for diagnostics; identity is by reference. */
  readonly id: number;
}

/** A semaphore: `{count, max}` (ntsync_create_sem()). */
export interface ModelSem {
  /** The object kind. */
  readonly type: "sem";
  /** The instance the object was created through. */
  readonly instance: ModelInstance;
  /** Current count. */
  count: number;
  /** Maximum count. */
  readonly max: number;
}

/** A mutex: `{owner, count}` plus the abandoned flag (ntsync_create_mutex(), ntsync_mutex_kill()). */
export interface ModelMutex {
  /** The object kind. */
  readonly type: "mutex";
  /** The instance the object was created through. */
  readonly instance: ModelInstance;
  /** Owner id; 0 means unowned (or abandoned). */
  owner: number;
  /** Recursion count. */
  count: number;
  /** Set by MUTEX_KILL, cleared by the next acquisition. */
  abandoned: boolean;
}

/** An event: `{manual, signaled}` stored as booleans (ntsync_create_event()). */
export interface ModelEvent {
  /** The object kind. */
  readonly type: "event";
  /** The instance the object was created through. */
  readonly instance: ModelInstance;
  /** Manual-reset when true, auto-reset when false. */
  readonly manual: boolean;
  /** Signaled state. */
  signaled: boolean;
}

/** Any model object. */
export type ModelObject = ModelSem | ModelMutex | ModelEvent;

/** is_signaled() "signaled when", with `owner` the waiter's owner argument. */
export function isSignaled(obj: ModelObject, owner: number): boolean {
  switch (obj.type) {
    case "sem":
      return obj.count !== 0;
    case "mutex":
      // is_signaled(): at 0xFFFFFFFF not even the owner can acquire it.
      return (obj.owner === 0 || obj.owner === owner) && obj.count < U32_MAX;
    case "event":
      return obj.signaled;
  }
}

/**
 * is_signaled() "acquiring does". Returns true when the acquisition took an
 * abandoned mutex (the wait then fails EOWNERDEAD, try_wake_any_mutex()).
 */
export function acquire(obj: ModelObject, owner: number): boolean {
  switch (obj.type) {
    case "sem":
      obj.count -= 1;
      return false;
    case "mutex": {
      const wasAbandoned = obj.abandoned;
      obj.abandoned = false;
      obj.count += 1;
      obj.owner = owner;
      return wasAbandoned;
    }
    case "event":
      if (!obj.manual) obj.signaled = false;
      return false;
  }
}

/** What a wait that can complete now acquires. */
export interface Selection {
  /** The index written back. */
  readonly index: number;
  /** What to acquire, in order. */
  readonly acquire: readonly ModelObject[];
}

/**
 * ntsync_wait_any(), docs/semantics.md#alerts WAIT_ANY: the lowest acquirable index, the alert last; a
 * duplicate is acquired once, at its first index.
 */
export function selectAny(
  entries: readonly ModelObject[],
  owner: number,
): Selection | undefined {
  const i = entries.findIndex((obj) => isSignaled(obj, owner));
  return i < 0 ? undefined : { index: i, acquire: [entries[i]] };
}

/**
 * docs/semantics.md#alerts WAIT_ALL: all `count` objects together (index 0; count 0 always
 * succeeds), else the alert (index = count).
 */
export function selectAll(
  entries: readonly ModelObject[],
  count: number,
  owner: number,
): Selection | undefined {
  const objects = entries.slice(0, count);
  if (objects.every((obj) => isSignaled(obj, owner))) {
    return { index: 0, acquire: objects };
  }
  const alert = entries[count];
  if (alert !== undefined && isSignaled(alert, owner)) {
    return { index: count, acquire: [alert] };
  }
  return undefined;
}
