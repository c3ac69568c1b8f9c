/**
 * Boots the kernel and initramfs under qemu (TCG), streams the serial
 * console to stdout and reads the run's markers from it.
 *
 * @module
 */

import { type GuestEvent, MarkerScanner } from "./marker.ts";

/** Inputs of {@linkcode boot}. */
export interface BootOptions {
  qemu: string;
  vmlinuz: string;
  initrd: string;
  memoryMiB: number;
  smp: number;
  timeoutSeconds: number;
  /** The nonce /init was generated with. */
  nonce: string;
  /** Where the console goes (the user's stdout). */
  out: { write(p: Uint8Array): Promise<number> };
  /** Kills qemu when aborted (the harness got SIGINT or SIGTERM). */
  signal?: AbortSignal;
}

/** How the boot ended. */
export interface BootResult {
  /** The command's exit status, when the exit marker was seen. */
  status?: number;
  /** /init reported that /dev/ntsync is missing. */
  noDevice: boolean;
  /** The kernel panic line, if one was printed. */
  panic?: string;
  /** The overall limit was hit and qemu was killed. */
  timedOut: boolean;
  /** qemu's own exit code. */
  qemuCode: number;
  /** Host milliseconds from spawning qemu to the ready marker. */
  readyMs?: number;
  /** Guest uptime (s) when the ready marker was printed. */
  guestUptimeAtReady?: number;
  /** Host milliseconds from the ready marker to the exit marker. */
  commandMs?: number;
  /** Host milliseconds from spawn to qemu's exit. */
  totalMs: number;
}

/** How long qemu may take to power off after the exit marker. */
const POWEROFF_GRACE_MS = 30_000;

/** The qemu command line (exported for the record and the JSDoc). */
export function qemuArgs(o: BootOptions): string[] {
  return [
    "-accel",
    "tcg", // nested KVM fails on this machine class: TCG only
    "-cpu",
    "max",
    "-m",
    String(o.memoryMiB),
    "-smp",
    String(o.smp),
    "-nodefaults", // no NIC (no network, no option ROM), no VGA, no monitor
    "-display",
    "none",
    "-serial",
    "stdio",
    "-no-reboot",
    "-kernel",
    o.vmlinuz,
    "-initrd",
    o.initrd,
    "-append",
    // no_timer_check: under TCG on a busy host the IO-APIC timer check can
    // miss its ticks and panic the kernel before init runs.
    "console=ttyS0 quiet panic=-1 no_timer_check",
  ];
}

async function writeAll(
  out: BootOptions["out"],
  bytes: Uint8Array,
): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await out.write(bytes.subarray(off));
}

/** Boots, streams the console and waits for qemu to exit. */
export async function boot(o: BootOptions): Promise<BootResult> {
  const start = performance.now();
  const child = new Deno.Command(o.qemu, {
    args: qemuArgs(o),
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const result: BootResult = {
    noDevice: false,
    timedOut: false,
    qemuCode: -1,
    totalMs: 0,
  };
  let readyAt: number | undefined;
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  };
  const timeout = setTimeout(() => {
    result.timedOut = true;
    kill();
  }, o.timeoutSeconds * 1000);
  let grace: ReturnType<typeof setTimeout> | undefined;
  o.signal?.addEventListener("abort", kill, { once: true });

  const onEvent = (ev: GuestEvent) => {
    const now = performance.now();
    switch (ev.kind) {
      case "ready":
        readyAt = now;
        result.readyMs = now - start;
        result.guestUptimeAtReady = ev.uptimeSeconds;
        break;
      case "exit":
        result.status = ev.status;
        if (readyAt !== undefined) result.commandMs = now - readyAt;
        // The guest powers off now; do not wait for ever if it does not.
        grace ??= setTimeout(kill, POWEROFF_GRACE_MS);
        break;
      case "no-device":
        result.noDevice = true;
        break;
      case "panic":
        result.panic ??= ev.line;
        break;
    }
  };

  const scanner = new MarkerScanner(o.nonce);
  const decoder = new TextDecoder();
  try {
    for await (const chunk of child.stdout) {
      await writeAll(o.out, chunk);
      scanner.push(decoder.decode(chunk, { stream: true })).forEach(onEvent);
    }
    scanner.push(decoder.decode()).forEach(onEvent);
    scanner.flush().forEach(onEvent);
    result.qemuCode = (await child.status).code;
  } catch (e) {
    kill();
    await child.status;
    throw e;
  } finally {
    o.signal?.removeEventListener("abort", kill);
    clearTimeout(timeout);
    if (grace !== undefined) clearTimeout(grace);
  }
  result.totalMs = performance.now() - start;
  return result;
}
