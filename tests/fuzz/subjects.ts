/**
 * The subjects the fuzz tests compare: the reference model and each backend
 * under test (tests/_backends.ts), and helpers to run fixed sequences.
 *
 * @module
 */

import type { Backend } from "../../core/backend.ts";
import { ModelBackend } from "../model/model.ts";
import { describeMismatch, runSequence, type Subject } from "./runner.ts";
import type { Op, Regression } from "./ops.ts";

/** A fresh reference model per sequence. */
export const MODEL: Subject = {
  name: "model",
  backend: () => new ModelBackend(),
};

/** A backend as a subject, named by its kind. */
export function subjectOf(backend: Backend): Subject {
  return { name: backend.kind, backend: () => backend };
}

/** Throw a readable error when the subjects disagree on `ops`. */
export function assertAgree(
  subjects: readonly Subject[],
  ops: readonly Op[],
): number {
  const result = runSequence(subjects, ops);
  if (result.mismatch) {
    throw new Error(describeMismatch(ops, result.mismatch));
  }
  return result.agreed;
}

/** The kept counterexamples (tests/fuzz/regressions.json). */
export async function loadRegressions(): Promise<Regression[]> {
  const url = new URL("./regressions.json", import.meta.url);
  return JSON.parse(await Deno.readTextFile(url));
}
