/** The plan year the screens work on: next calendar year (WIB) unless the operator chose another. */
import { useState } from "preact/hooks";
import { currentPlanYear } from "./format";

const KEY = "eplanning.tahun";

export function planYear(): number {
  try {
    const stored = Number(globalThis.localStorage?.getItem(KEY));
    if (Number.isInteger(stored) && stored >= 2000 && stored <= 2100) return stored;
  } catch {
    // no storage: the default
  }
  return currentPlanYear();
}

export function usePlanYear(): [number, (year: number) => void] {
  const [year, set] = useState(planYear());
  return [year, (next: number) => {
    try { localStorage.setItem(KEY, String(next)); } catch { /* this visit only */ }
    set(next);
  }];
}
