/**
 * Reads the shared libraries (and the dynamic loader) `ldd` names for a
 * binary, to copy them into the guest.
 *
 * @module
 */

/**
 * Parses `ldd` output into absolute library paths, in order, without
 * duplicates. The vDSO (no file) is skipped; a `not found` library throws,
 * since the guest binary would then fail to start.
 *
 * @example
 * ```ts
 * parseLdd("\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x7f)\n\t/lib64/ld-linux-x86-64.so.2 (0x7f)\n");
 * // ["/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"]
 * ```
 */
export function parseLdd(output: string): string[] {
  const paths: string[] = [];
  for (const raw of output.split("\n")) {
    const line = raw.trim();
    if (!line || line === "statically linked") continue;
    if (line.includes("not a dynamic executable")) continue;
    const arrow = line.indexOf("=>");
    let target: string;
    if (arrow >= 0) {
      target = line.slice(arrow + 2).trim();
      if (target.startsWith("not found")) {
        throw new Error(`ldd: ${line.slice(0, arrow).trim()} not found`);
      }
    } else {
      target = line;
    }
    // Drop the load address "(0x...)".
    target = target.replace(/\s*\(0x[0-9a-fA-F]+\)$/, "").trim();
    if (!target.startsWith("/")) continue; // linux-vdso.so.1 and the like
    if (!paths.includes(target)) paths.push(target);
  }
  return paths;
}
