/**
 * Picks the newest Debian kernel packages of one flavour from a list of
 * package names (what `apt-cache pkgnames linux-` prints for Debian sid).
 *
 * Debian has named the packages two ways. Today (sid, 2026) the kernel image
 * is `linux-binary-unsigned-<abi>-<flavour>` (vmlinuz as
 * `usr/lib/modules/<abi>/vmlinuz.unsigned`) and the modules, with
 * `kernel/drivers/misc/ntsync.ko.xz`, are `linux-modules-<abi>-<flavour>`;
 * `linux-image-<abi>-<flavour>` is only a metapackage there. Earlier,
 * `linux-image-<abi>-<flavour>-unsigned` (or the signed
 * `linux-image-<abi>-<flavour>`) held both. Both layouts are accepted: the
 * files are looked up after unpacking.
 *
 * @module
 */

import { compareDebVersions } from "./debversion.ts";

/** The packages to download for one kernel. */
export interface KernelChoice {
  /** The kernel ABI string, e.g. `7.2.13+deb14`. */
  abi: string;
  /** Package holding the kernel image (vmlinuz). */
  image: string;
  /** Package holding the modules, when not the image package itself. */
  modules?: string;
}

/** Escapes a string for use inside a RegExp. */
function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Image package name patterns, best first, for one flavour. `(abi)` must
 * start with a digit, which rules out metapackages such as
 * `linux-image-cloud-amd64`.
 */
function imagePatterns(flavour: string): RegExp[] {
  const f = escapeRegExp(flavour);
  // Dash-separated parts of an ABI start with a digit ("6.1.0-18"), which
  // keeps "-cloud" out of the ABI when matching the "amd64" flavour.
  const abi = "(\\d[0-9A-Za-z.+~]*(?:-\\d[0-9A-Za-z.+~]*)*)";
  return [
    new RegExp(`^linux-binary-unsigned-${abi}-${f}$`),
    new RegExp(`^linux-image-${abi}-${f}-unsigned$`),
    new RegExp(`^linux-binary-${abi}-${f}$`),
    new RegExp(`^linux-image-${abi}-${f}$`),
  ];
}

/**
 * Chooses the newest ABI that has an image package, and that image's best
 * package (unsigned first: no Secure Boot under qemu -kernel, and it is the
 * plain build). Returns undefined when no package of the flavour is named.
 *
 * @example
 * ```ts
 * chooseKernel([
 *   "linux-binary-unsigned-7.2.13+deb14-cloud-amd64",
 *   "linux-modules-7.2.13+deb14-cloud-amd64",
 * ]);
 * // { abi: "7.2.13+deb14", image: "linux-binary-unsigned-7.2.13+deb14-cloud-amd64",
 * //   modules: "linux-modules-7.2.13+deb14-cloud-amd64" }
 * ```
 */
export function chooseKernel(
  names: Iterable<string>,
  flavour = "cloud-amd64",
): KernelChoice | undefined {
  const all = new Set<string>();
  for (const n of names) {
    const t = n.trim();
    if (t) all.add(t);
  }
  const patterns = imagePatterns(flavour);
  // abi -> best image package (lowest pattern index)
  const best = new Map<string, { rank: number; name: string }>();
  for (const name of all) {
    patterns.forEach((re, rank) => {
      const m = re.exec(name);
      if (!m) return;
      const abi = m[1];
      const cur = best.get(abi);
      if (!cur || rank < cur.rank) best.set(abi, { rank, name });
    });
  }
  if (best.size === 0) return undefined;
  const abis = [...best.keys()].sort(compareDebVersions);
  const abi = abis[abis.length - 1];
  const image = best.get(abi)!.name;
  const modulesName = `linux-modules-${abi}-${flavour}`;
  return all.has(modulesName) ? { abi, image, modules: modulesName } : {
    abi,
    image,
  };
}
