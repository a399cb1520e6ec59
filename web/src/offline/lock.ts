/** One sender at a time across the tabs of this device: the Web Locks API where the browser has it,
 * else a queue inside this page (the Idempotency-Key still makes a doubled send harmless). */
const queues = new Map<string, Promise<unknown>>();

export async function withLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (locks?.request) return locks.request(name, { mode: "exclusive" }, task) as Promise<T>;
  const before = queues.get(name) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(task);
  queues.set(name, run.catch(() => undefined));
  return run;
}

const CHANNEL = "eplanning-outbox";
const local = new EventTarget();

/** Tell this tab and the others that the outbox changed. */
export function announce(): void {
  local.dispatchEvent(new Event("change"));
  if (typeof BroadcastChannel !== "undefined") {
    const channel = new BroadcastChannel(CHANNEL);
    channel.postMessage("change");
    channel.close();
  }
}

/** Call `listener` whenever the outbox changes (here or in another tab); returns the unsubscribe. */
export function onAnnounce(listener: () => void): () => void {
  local.addEventListener("change", listener);
  let channel: BroadcastChannel | null = null;
  if (typeof BroadcastChannel !== "undefined") {
    channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = () => listener();
  }
  return () => {
    local.removeEventListener("change", listener);
    channel?.close();
  };
}
