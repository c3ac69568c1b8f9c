/**
 * Test fixture: a Worker that attaches a shared device, adopts the objects
 * it is sent, performs one blocking wait and posts the outcome.
 *
 * @module
 */

import { attachDevice, type DeviceToken } from "./device.ts";
import type { SyncObject } from "./object.ts";
import type { ObjectRef, WorkerReply, WorkerWait } from "./_test_helpers.ts";

declare const self: {
  onmessage: (e: MessageEvent) => void;
  postMessage(message: unknown): void;
  close(): void;
};

self.onmessage = (e: MessageEvent) => {
  const { token, plan } = e.data as { token: DeviceToken; plan: WorkerWait };
  let reply: WorkerReply;
  using device = attachDevice(token);
  const adopt = (r: ObjectRef): SyncObject =>
    r.kind === "semaphore"
      ? device.semaphore(r.fd)
      : r.kind === "mutex"
      ? device.mutex(r.fd)
      : device.event(r.fd);
  try {
    const objects = plan.objects.map(adopt);
    const alert = plan.alert ? adopt(plan.alert) : undefined;
    self.postMessage("started");
    const t0 = performance.now();
    const result = plan.mode === "all"
      ? device.waitAll(objects, { ...plan.options, alert })
      : device.waitAny(objects, { ...plan.options, alert });
    reply = { result, elapsedMs: performance.now() - t0 };
    if (result.status === "signaled" || result.status === "abandoned") {
      for (const i of plan.unlockAfter ?? []) {
        device.mutex(plan.objects[i].fd).unlock(plan.options!.owner!);
      }
    }
  } catch (err) {
    reply = { error: String(err) };
  }
  self.postMessage(reply);
};
