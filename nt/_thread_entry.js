// The Worker body of an NT thread: join the process, run the thread
// function, report to the creating thread, close. Plain JavaScript that
// imports only modules the creating thread has already loaded, so that
// starting a thread never waits for a type check (under `deno test`,
// checking a new module graph needs the creating thread's event loop, which
// a Win32-style blocking wait right after CreateThread does not give back).
import { Kernel32 } from "./kernel32.ts";

self.onmessage = async (e) => {
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
