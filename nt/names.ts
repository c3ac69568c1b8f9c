/**
 * The process's object namespace: names of events, mutants and semaphores,
 * for create-or-open and open-by-name. Lookups are case-sensitive unless the
 * caller asks for `OBJ_CASE_INSENSITIVE`, as on Windows (Win32's
 * `CreateMutexW("WineTestMutex")` does not find `"WINETESTMUTEX"`). A name
 * lives while its object has handles (NT's temporary objects). All
 * functions here run under the process lock.
 *
 * @module
 */

import { NAME, type SharedProcessMemory } from "./shared.ts";

/** Longest name the table stores, in UTF-16 units. */
export const MAX_NAME_LENGTH = NAME.chars;

function row(slot: number): number {
  return NAME.base + slot * NAME.words;
}

function matches(
  mem: SharedProcessMemory,
  slot: number,
  name: string,
  caseInsensitive: boolean,
): boolean {
  const r = row(slot);
  if (mem.words[r + NAME.length] !== name.length) return false;
  const start = (r + 2) * 2;
  let stored = "";
  for (let i = 0; i < name.length; i++) {
    stored += String.fromCharCode(mem.units[start + i]);
  }
  return caseInsensitive
    ? stored.toUpperCase() === name.toUpperCase()
    : stored === name;
}

/**
 * The object named `name`, or -1.
 *
 * @example
 * ```ts
 * import { addName, findName } from "./names.ts";
 * import { SharedProcessMemory } from "./shared.ts";
 * const mem = new SharedProcessMemory();
 * addName(mem, "\\BaseNamedObjects\\Gate", 7);
 * findName(mem, "\\BaseNamedObjects\\Gate", false); // 7
 * findName(mem, "\\BaseNamedObjects\\GATE", false); // -1
 * findName(mem, "\\BaseNamedObjects\\GATE", true); // 7
 * ```
 */
export function findName(
  mem: SharedProcessMemory,
  name: string,
  caseInsensitive: boolean,
): number {
  for (let slot = 0; slot < NAME.max; slot++) {
    const object = mem.words[row(slot) + NAME.object] - 1;
    if (object >= 0 && matches(mem, slot, name, caseInsensitive)) return object;
  }
  return -1;
}

/** Name object `object` `name`: its slot, or -1 when the table is full. */
export function addName(
  mem: SharedProcessMemory,
  name: string,
  object: number,
): number {
  for (let slot = 0; slot < NAME.max; slot++) {
    const r = row(slot);
    if (mem.words[r + NAME.object] !== 0) continue;
    mem.words[r + NAME.object] = object + 1;
    mem.words[r + NAME.length] = name.length;
    const start = (r + 2) * 2;
    for (let i = 0; i < name.length; i++) {
      mem.units[start + i] = name.charCodeAt(i);
    }
    return slot;
  }
  return -1;
}

/** Remove the name in `slot`. */
export function freeName(mem: SharedProcessMemory, slot: number): void {
  if (slot < 0 || slot >= NAME.max) return;
  mem.words[row(slot) + NAME.object] = 0;
  mem.words[row(slot) + NAME.length] = 0;
}

/**
 * The NT path of a Win32 object name, as kernelbase builds it: names go in
 * `\BaseNamedObjects`; a `Global\` or `Local\` prefix picks the same
 * directory here (one session).
 *
 * @example
 * ```ts
 * import { win32ObjectPath } from "./names.ts";
 * win32ObjectPath("Local\\Gate"); // "\\BaseNamedObjects\\Gate"
 * ```
 */
export function win32ObjectPath(name: string): string {
  const bare = name.replace(/^(Global|Local)\\/, "");
  return `\\BaseNamedObjects\\${bare}`;
}
