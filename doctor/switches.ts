/**
 * The environment switches Wine and Proton users set to turn ntsync on or
 * off, and what each means. Upstream Wine has none: it uses ntsync whenever
 * its wineserver can open `/dev/ntsync` when it starts. The switches belong
 * to Proton and to patch sets that carried ntsync before upstream did.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { switchesIn } from "./switches.ts";
 * const [s] = switchesIn("HOME=/root\0PROTON_NO_NTSYNC=1\0");
 * assert.equal(s.name, "PROTON_NO_NTSYNC");
 * assert.equal(s.disables, true);
 * ```
 *
 * @module
 */

/** One switch found in an environment, with what its value does. */
export interface SwitchSetting {
  /** The variable, e.g. `"PROTON_USE_NTSYNC"`. */
  readonly name: SwitchName;
  /** Its value as set. */
  readonly value: string;
  /** What that value does, and for which Wine. */
  readonly meaning: string;
  /** True when this value keeps ntsync from being used. */
  readonly disables: boolean;
}

/** The switches the doctor knows. */
export type SwitchName =
  | "PROTON_USE_NTSYNC"
  | "PROTON_NO_NTSYNC"
  | "WINENTSYNC"
  | "WINE_DISABLE_FAST_SYNC";

/** Set to something other than empty or "0": how these builds read a flag. */
function on(value: string): boolean {
  return value !== "" && value !== "0";
}

const MEANINGS: Record<
  SwitchName,
  (value: string) => { meaning: string; disables: boolean }
> = {
  PROTON_USE_NTSYNC: (v) =>
    on(v)
      ? {
        meaning:
          "opts in to ntsync on Proton 10, GE-Proton10-10+ and proton-cachyos 10 (Proton 11 uses it by default)",
        disables: false,
      }
      : {
        meaning:
          "not an opt-in (only a non-zero value is); Proton 10 then keeps its old sync, Proton 11 uses ntsync anyway",
        disables: false,
      },
  PROTON_NO_NTSYNC: (v) =>
    on(v)
      ? {
        meaning:
          "opts out: Proton 11 does not use ntsync (its wineserver does the syncing)",
        disables: true,
      }
      : {
        meaning: "no effect (only a non-zero value opts out)",
        disables: false,
      },
  WINENTSYNC: (v) =>
    on(v)
      ? {
        meaning:
          "turns ntsync on in pre-upstream patch sets, Android ports and launchers that read it; upstream Wine ignores it",
        disables: false,
      }
      : {
        meaning:
          "turns ntsync off in pre-upstream patch sets and launchers that read it; upstream Wine ignores it",
        disables: true,
      },
  WINE_DISABLE_FAST_SYNC: (v) =>
    on(v)
      ? {
        meaning:
          "turns off the older fast-sync patch set (the one before ntsync); upstream Wine and ntsync builds ignore it",
        disables: true,
      }
      : {
        meaning: "no effect (only a non-zero value disables)",
        disables: false,
      },
};

/** The names of every switch the doctor knows, in a fixed order. */
export const SWITCH_NAMES: readonly SwitchName[] = Object.keys(
  MEANINGS,
) as SwitchName[];

/**
 * The known switches set in an environment block as `/proc/<pid>/environ`
 * holds it (`NAME=value` entries separated by NUL), in
 * {@linkcode SWITCH_NAMES} order.
 */
export function switchesIn(environ: string): SwitchSetting[] {
  const values = new Map<string, string>();
  for (const entry of environ.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) values.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  const out: SwitchSetting[] = [];
  for (const name of SWITCH_NAMES) {
    const value = values.get(name);
    if (value === undefined) continue;
    out.push({ name, value, ...MEANINGS[name](value) });
  }
  return out;
}

/** `PROTON_NO_NTSYNC=1 (opts out: …)` for a report line. */
export function describeSwitch(s: SwitchSetting): string {
  return `${s.name}=${s.value}: ${s.meaning}`;
}
