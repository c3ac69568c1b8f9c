// The Worker body of an NT thread: join the process, run the thread
// function, report to the creating thread. Plain JavaScript that imports
// only modules the creating thread has already loaded, so that starting a
// thread never waits for a type check (under `deno test`, checking a new
// module graph needs the creating thread's event loop, which a Win32-style
// blocking wait right after CreateThread does not give back).
import { parentScope } from "../host/threads.ts";
import { Kernel32 } from "./kernel32.ts";

const parent = parentScope();
let started = false;
parent.onMessage(async (start) => {
  if (started) return;
  started = true;
  try {
    const code = await Kernel32.runThread(start);
    parent.postMessage({ code });
  } catch (err) {
    parent.postMessage({
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
  }
  // The creating thread terminates this Worker when it reads the message.
});
