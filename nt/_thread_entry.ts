/**
 * The Worker body of an NT thread: join the process, run the thread
 * function, record the exit, report to the creating thread, close.
 *
 * @module
 */

import { Kernel32 } from "./kernel32.ts";

declare const self: {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
};

self.onmessage = async (e: MessageEvent) => {
  self.onmessage = null;
  try {
    const code = await Kernel32.runThread(e.data);
    self.postMessage({ code });
  } catch (err) {
    self.postMessage({
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
  }
  self.close();
};
