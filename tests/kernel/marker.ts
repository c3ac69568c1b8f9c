/**
 * The marker lines the guest's /init prints on the serial console, and a
 * scanner that finds them in the streamed output.
 *
 * Every marker carries a per-run nonce (`run=<nonce>`), so a test that
 * happens to print `NTSYNC-EXIT=0` cannot fake a result.
 *
 * @module
 */

/** Marker printed just before the command starts, with the guest's uptime. */
export const READY = "NTSYNC-READY";
/** Marker printed after the command with its exit status. */
export const EXIT = "NTSYNC-EXIT";
/** Marker printed when /dev/ntsync is missing after insmod. */
export const NO_DEVICE = "NTSYNC-NO-DEVICE";

/** What the scanner saw on the console. */
export type GuestEvent =
  | { kind: "ready"; uptimeSeconds: number }
  | { kind: "exit"; status: number }
  | { kind: "no-device" }
  | { kind: "panic"; line: string };

/**
 * A fresh nonce for one run: 12 hex characters from crypto randomness.
 *
 * @example
 * ```ts
 * /^[0-9a-f]{12}$/.test(newNonce()); // true
 * ```
 */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Splits streamed console text into lines and reports the markers of one
 * run. Chunks may cut lines anywhere; `\r\n` (the tty's line ending) and
 * `\n` are both accepted.
 *
 * @example
 * ```ts
 * const s = new MarkerScanner("abc");
 * s.push("hello\nNTSYNC-EX");
 * s.push("IT=3 run=abc\r\n"); // [{ kind: "exit", status: 3 }]
 * ```
 */
export class MarkerScanner {
  #pending = "";
  readonly #ready: RegExp;
  readonly #exit: RegExp;
  readonly #noDevice: RegExp;

  /** @param nonce the nonce the /init of this run was generated with */
  constructor(nonce: string) {
    if (!/^[0-9A-Za-z]+$/.test(nonce)) throw new Error(`bad nonce ${nonce}`);
    this.#ready = new RegExp(`^${READY} uptime=([0-9.]+) run=${nonce}$`);
    this.#exit = new RegExp(`^${EXIT}=(\\d+) run=${nonce}$`);
    this.#noDevice = new RegExp(`^${NO_DEVICE} run=${nonce}$`);
  }

  /** Feeds console text; returns the events of the lines it completed. */
  push(text: string): GuestEvent[] {
    this.#pending += text;
    const events: GuestEvent[] = [];
    let nl: number;
    while ((nl = this.#pending.indexOf("\n")) >= 0) {
      const line = this.#pending.slice(0, nl);
      this.#pending = this.#pending.slice(nl + 1);
      const ev = this.#classify(line);
      if (ev) events.push(ev);
    }
    return events;
  }

  /** Classifies the unterminated last line (call at end of stream). */
  flush(): GuestEvent[] {
    const line = this.#pending;
    this.#pending = "";
    const ev = line ? this.#classify(line) : undefined;
    return ev ? [ev] : [];
  }

  #classify(raw: string): GuestEvent | undefined {
    // The tty adds \r; a stray \r from an interrupted line may lead it too.
    const line = raw.replace(/\r/g, "").trim();
    let m = this.#exit.exec(line);
    if (m) return { kind: "exit", status: Number(m[1]) };
    m = this.#ready.exec(line);
    if (m) return { kind: "ready", uptimeSeconds: Number(m[1]) };
    if (this.#noDevice.test(line)) return { kind: "no-device" };
    if (line.includes("Kernel panic - not syncing")) {
      return { kind: "panic", line };
    }
    return undefined;
  }
}
