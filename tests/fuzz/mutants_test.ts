/**
 * The fuzzer must be able to fail: each mutant below is the model with one
 * plausible engine bug planted, and the CI-sized property run has to find
 * every one of them (and shrink it to a short sequence). A generator or
 * comparison that stops exercising something shows up here first.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "npm:fast-check@3.23.2";
import type { Backend } from "../../core/backend.ts";
import { NtsyncError } from "../../core/errors.ts";
import { Errno } from "../../uapi/errno.ts";
import {
  NTSYNC_IOC_EVENT_PULSE,
  NTSYNC_IOC_EVENT_SET,
  NTSYNC_IOC_MUTEX_READ,
  NTSYNC_IOC_SEM_READ,
  NTSYNC_IOC_SEM_RELEASE,
  NTSYNC_IOC_WAIT_ALL,
  NTSYNC_IOC_WAIT_ANY,
} from "../../uapi/ioctl.ts";
import { ModelBackend } from "../model/model.ts";
import { sequence } from "./arbitraries.ts";
import { runSequence, type Subject } from "./runner.ts";
import { MODEL } from "./subjects.ts";
import { catalogue, SETUP } from "./catalogue.ts";

type Ioctl = Backend["ioctl"];

/** The model with `ioctl` replaced by `mutate(original)`. */
function mutant(name: string, mutate: (inner: Ioctl) => Ioctl): Subject {
  return {
    name,
    backend: () => {
      const m = new ModelBackend();
      m.ioctl = mutate(m.ioctl.bind(m));
      return m;
    },
  };
}

function waitField(arg: ArrayBufferView | null, offset: number): number {
  if (arg === null || arg.byteLength < 40) return -1;
  return new DataView(arg.buffer, arg.byteOffset).getUint32(offset, true);
}

function setWaitField(arg: ArrayBufferView, offset: number, v: number): void {
  new DataView(arg.buffer, arg.byteOffset).setUint32(offset, v, true);
}

const MUTANTS: Subject[] = [
  // A pulse that leaves the event signaled (ntsync_event_set()).
  mutant("pulse-stays-set", (inner) => (fd, req, arg) => {
    const r = inner(fd, req, arg);
    if (req === NTSYNC_IOC_EVENT_PULSE) {
      inner(fd, NTSYNC_IOC_EVENT_SET, new Uint32Array(1));
    }
    return r;
  }),
  // EFAULT checked before the object type in SEM_READ (ntsync_*_read(): type first).
  mutant("read-efault-first", (inner) => (fd, req, arg) => {
    if (req === NTSYNC_IOC_SEM_READ && (arg === null || arg.byteLength < 8)) {
      try {
        inner(fd, req, new Uint8Array(8));
      } catch (err) {
        if (!(err instanceof NtsyncError && err.code === "EINVAL")) throw err;
      }
      throw new NtsyncError(Errno.EFAULT);
    }
    return inner(fd, req, arg);
  }),
  // An abandoned mutex read as a plain success (ntsync_*_read()).
  mutant("ownerdead-read-ok", (inner) => (fd, req, arg) => {
    try {
      return inner(fd, req, arg);
    } catch (err) {
      if (req === NTSYNC_IOC_MUTEX_READ && NtsyncError.is(err, "EOWNERDEAD")) {
        return 0;
      }
      throw err;
    }
  }),
  // Owner 0 accepted in waits, as kernels before 7.2.8 did (docs/semantics.md#owner-0-on-older-kernels).
  mutant("owner0-accepted", (inner) => (fd, req, arg) => {
    const isWait = req === NTSYNC_IOC_WAIT_ANY || req === NTSYNC_IOC_WAIT_ALL;
    if (isWait && arg && waitField(arg, 28) === 0) setWaitField(arg, 28, 7);
    return inner(fd, req, arg);
  }),
  // The alert ignored by WAIT_ANY (docs/semantics.md#alerts).
  mutant("alert-ignored", (inner) => (fd, req, arg) => {
    if (req === NTSYNC_IOC_WAIT_ANY && arg && waitField(arg, 32) > 0) {
      const alert = waitField(arg, 32);
      setWaitField(arg, 32, 0);
      try {
        return inner(fd, req, arg);
      } finally {
        setWaitField(arg, 32, alert);
      }
    }
    return inner(fd, req, arg);
  }),
  // A failed SEM_RELEASE that still writes the count back (ntsync_sem_release()).
  mutant("overflow-writes", (inner) => (fd, req, arg) => {
    try {
      return inner(fd, req, arg);
    } catch (err) {
      if (req === NTSYNC_IOC_SEM_RELEASE && NtsyncError.is(err, "EOVERFLOW")) {
        new DataView(arg!.buffer, arg!.byteOffset).setUint32(0, 0, true);
      }
      throw err;
    }
  }),
];

for (const bad of MUTANTS) {
  Deno.test(`fuzz: the property run catches the ${bad.name} mutant`, () => {
    const details = fc.check(
      fc.property(
        sequence(),
        (ops) => !runSequence([MODEL, bad], ops).mismatch,
      ),
      { seed: 0x6e7473, numRuns: 300 },
    );
    assert.ok(details.failed, `${bad.name} went unnoticed in 300 sequences`);
    const shrunk = details.counterexample![0];
    assert.ok(shrunk.length <= 12, `shrunk to ${shrunk.length} ops`);
  });
}

for (const bad of MUTANTS) {
  Deno.test(`hostile: the catalogue catches the ${bad.name} mutant`, () => {
    const caught = catalogue().some((c) =>
      runSequence([MODEL, bad], [...SETUP, ...(c.before ?? []), c.op])
        .mismatch !== undefined
    );
    assert.ok(caught, `${bad.name} passed the whole catalogue`);
  });
}
