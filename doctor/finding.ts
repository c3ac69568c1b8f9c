/**
 * One line of the doctor's verdict: what was checked, what was found, and
 * how to fix it.
 *
 * @module
 */

/**
 * How a finding weighs:
 * - `ok`: works as it should;
 * - `warn`: works, but something is worth knowing or changing;
 * - `fail`: this is why ntsync does not work (or not correctly);
 * - `info`: a fact, no judgement;
 * - `skip`: not checked (not applicable, or skipped on request).
 */
export type Status = "ok" | "warn" | "fail" | "info" | "skip";

/** One checked fact with its verdict. */
export interface Finding {
  /** Stable machine name, e.g. `"kernel.version"`. */
  readonly id: string;
  /** The verdict. */
  readonly status: Status;
  /** Short name of what was checked, e.g. `"kernel"`. */
  readonly label: string;
  /** What was found, one line, e.g. `"6.14.2 (6.14+ needed)"`. */
  readonly summary: string;
  /** Longer explanation, when the summary is not enough. */
  readonly detail?: string;
  /** Commands or steps that fix a `fail` or `warn`, in order. */
  readonly fix?: readonly string[];
}

/** Build a {@linkcode Finding}, leaving out empty optional fields. */
export function finding(
  id: string,
  status: Status,
  label: string,
  summary: string,
  extra: { detail?: string; fix?: readonly string[] } = {},
): Finding {
  const f: {
    id: string;
    status: Status;
    label: string;
    summary: string;
    detail?: string;
    fix?: readonly string[];
  } = { id, status, label, summary };
  if (extra.detail) f.detail = extra.detail;
  if (extra.fix && extra.fix.length > 0) f.fix = extra.fix;
  return f;
}
