/**
 * Makes sure the host has qemu and a static busybox, installing them from
 * the machine's own Debian sources when missing.
 *
 * @module
 */

import { exists, log, run } from "./exec.ts";

/** The Debian packages the harness needs on the host. */
export const HOST_PACKAGES = ["qemu-system-x86", "busybox-static"] as const;

/** Where the harness expects the tools once installed. */
export const QEMU = "/usr/bin/qemu-system-x86_64";
/** The static busybox (busybox-static installs it at /bin/busybox). */
export const BUSYBOX = "/bin/busybox";

async function installed(pkg: string): Promise<boolean> {
  const r = await run("dpkg-query", ["-W", "-f=${Status}", pkg], {
    allowFailure: true,
  });
  return r.code === 0 && r.stdout.trim() === "install ok installed";
}

/**
 * Installs whatever of {@linkcode HOST_PACKAGES} is missing (apt-get update
 * first, since a fresh machine's lists may be stale). Does nothing, and
 * needs no network, when all are there.
 */
export async function ensureHostTools(): Promise<void> {
  const missing: string[] = [];
  for (const p of HOST_PACKAGES) if (!(await installed(p))) missing.push(p);
  if (missing.length > 0) {
    log(`installing ${missing.join(" ")} (apt-get)`);
    const env = { DEBIAN_FRONTEND: "noninteractive" };
    await run("apt-get", ["update", "-q"], { env });
    await run(
      "apt-get",
      ["install", "-y", "-q", "--no-install-recommends", ...missing],
      { env },
    );
  }
  for (const path of [QEMU, BUSYBOX]) {
    if (!(await exists(path))) throw new Error(`${path} missing after install`);
  }
}
