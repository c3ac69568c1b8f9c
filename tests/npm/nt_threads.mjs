// Thread functions for the NT layer's test in package_test.mjs: exports
// that CreateThread runs on Workers, from the installed package.
import { INFINITE, WAIT_IO_COMPLETION } from "@ntsync/ntsync/nt";

/** Take the mutex, say so, and exit still holding it (abandoning it). */
export function hold_and_die(k32, p) {
  k32.WaitForSingleObject(p.mutex, INFINITE);
  k32.SetEvent(p.held);
  return 0x1234;
}

/** An alertable sleep that only an APC ends; 0 when an APC ended it. */
export function sleeper(k32, p) {
  k32.SetEvent(p.ready);
  return k32.SleepEx(INFINITE, true) === WAIT_IO_COMPLETION ? 0 : 1;
}

/** The APC: says that it ran, inside the sleeper's SleepEx. */
export function mark(k32, event) {
  k32.SetEvent(event);
}
