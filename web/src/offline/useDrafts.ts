import { useEffect, useState } from "preact/hooks";
import { onAnnounce } from "./lock";
import { outbox, type Draft } from "./outbox";

/** The drafts on this device, kept current when this or another tab changes them. */
export function useDrafts(): Draft[] {
  const [drafts, set] = useState<Draft[]>([]);
  useEffect(() => {
    let alive = true;
    const load = () => void outbox().list().then((d) => { if (alive) set(d); }).catch(() => undefined);
    load();
    const stop = onAnnounce(load);
    return () => { alive = false; stop(); };
  }, []);
  return drafts;
}
