/**
 * The thread and APC functions of Wine's `dlls/ntdll/tests/sync.c`, ported
 * (they run in Workers or as APCs, so they live in a module of their own).
 *
 * @module
 */

import {
  type Kernel32,
  MUTANT_BASIC_INFORMATION,
  MutantBasicInformation,
  STATUS_SUCCESS,
  WAIT_OBJECT_0,
} from "../../nt/mod.ts";
import { hex, ok } from "./_wine.ts";

/** `mutant_thread`: acquire the mutant and exit holding it (abandon it). */
export function mutant_thread(k32: Kernel32, mutant: number): number {
  const ret = k32.WaitForSingleObject(mutant, 1000);
  ok(ret === WAIT_OBJECT_0, `WaitForSingleObject failed ${hex(ret)}`);

  const info = new MUTANT_BASIC_INFORMATION();
  const status = k32.ntdll.NtQueryMutant(
    mutant,
    MutantBasicInformation,
    info,
    MUTANT_BASIC_INFORMATION.size,
    null,
  );
  ok(status === STATUS_SUCCESS, `NtQueryMutant failed ${hex(status)}`);
  ok(info.CurrentCount === 0, `expected 0, got ${info.CurrentCount}`);
  ok(info.OwnedByCaller === true, `expected TRUE, got ${info.OwnedByCaller}`);
  ok(
    info.AbandonedState === false,
    `expected FALSE, got ${info.AbandonedState}`,
  );
  /* abandon mutant */
  return 0;
}

/** The APC count `apc_proc` increments (Wine passes its address). */
export const apc = { count: 0 };

/** `apc_proc`: count a run. */
export function apc_proc(_k32: Kernel32, _param: unknown): void {
  apc.count++;
}

/** Does nothing: what `warmUpThreads` runs. */
export function nop(): number {
  return 0;
}
