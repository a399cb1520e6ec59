/** The desa operator's home: the Musrenbang window (opens, closes, time left) and the counts of the
 * desa's own usulan by status, with the drafts still on the device. */
import { useEffect, useState } from "preact/hooks";
import type { Schedule } from "../../api/client";
import type { Problem } from "../../api/problem";
import { formatDateTime, formatRelative } from "../../format";
import { t, useLang } from "../../i18n";
import { needsAttention } from "../../offline/outbox";
import { useDrafts } from "../../offline/useDrafts";
import { loadKamus, loadSchedule, loadWilayah, type Loaded } from "../../offline/reference";
import { identityOf, useSession } from "../../auth/session";
import { countByStatus, listAll } from "../../usulan";
import { usePlanYear } from "../../planYear";
import { DraftList } from "./Drafts";

const ORDER = ["belum diputuskan", "diterima", "diterima dengan perubahan", "digabung", "ditolak", "ditarik", "draft"];

export function windowState(schedule: Schedule | null, now: Date): "open" | "not_yet" | "closed" | "none" {
  const desa = schedule?.windows.find((w) => w.level === "desa");
  if (!desa) return "none";
  if (now < new Date(desa.opens_at)) return "not_yet";
  if (now >= new Date(desa.closes_at)) return "closed";
  return "open";
}

export default function DesaHome() {
  const lang = useLang();
  const [tahun] = usePlanYear();
  const [schedule, setSchedule] = useState<Loaded<Schedule> | null>(null);
  const [scheduleProblem, setScheduleProblem] = useState<Problem | null>(null);
  const [counts, setCounts] = useState<Map<string, number> | null>(null);
  const drafts = useDrafts();
  const [now, setNow] = useState(new Date());
  const identity = identityOf(useSession());

  useEffect(() => {
    void loadSchedule(tahun).then((r) => {
      if (r.ok) { setSchedule(r.data); setScheduleProblem(null); } else { setSchedule(null); setScheduleProblem(r.problem); }
    });
    void listAll(tahun).then((r) => setCounts("items" in r ? countByStatus(r.items) : null));
    // kept on the device for the form, so an usulan can be written later with no signal
    void loadKamus(tahun);
    if (identity?.pemda) void loadWilayah(identity.pemda);
    const timer = setInterval(() => setNow(new Date()), 60_000);
    return () => clearInterval(timer);
  }, [tahun]);

  const windowDesa = schedule?.value.windows.find((w) => w.level === "desa");
  const state = windowState(schedule?.value ?? null, now);
  const waiting = drafts.filter(needsAttention);
  return (
    <>
      <h1 class="govuk-heading-l">{t("home.title")}</h1>
      <h2 class="govuk-heading-m">{t("home.window", { tahun })}</h2>
      {schedule?.cached && <p class="govuk-body-s">{t("home.cached", { when: formatDateTime(schedule.at, lang) })}</p>}
      {windowDesa ? (
        <>
          <div class={state === "open" ? "govuk-inset-text" : "govuk-warning-text"} data-testid="window-state">
            {state === "open" && t("home.open", { left: formatRelative(windowDesa.closes_at, now, lang) })}
            {state === "not_yet" && t("home.notYet", { left: formatRelative(windowDesa.opens_at, now, lang) })}
            {state === "closed" && <strong class="govuk-warning-text__text">{t("home.closed")}</strong>}
          </div>
          <dl class="govuk-summary-list">
            <div class="govuk-summary-list__row">
              <dt class="govuk-summary-list__key">{t("home.opens")}</dt>
              <dd class="govuk-summary-list__value">{formatDateTime(windowDesa.opens_at, lang)}</dd>
            </div>
            <div class="govuk-summary-list__row">
              <dt class="govuk-summary-list__key">{t("home.closes")}</dt>
              <dd class="govuk-summary-list__value">{formatDateTime(windowDesa.closes_at, lang)}</dd>
            </div>
          </dl>
        </>
      ) : (
        <p class="govuk-body">{scheduleProblem && scheduleProblem.status === 0 ? t("error.network") : t("home.noSchedule", { tahun })}</p>
      )}
      {state !== "closed" && (
        <a href="/usulan/baru" role="button" draggable={false} class="govuk-button govuk-button--start">{t("home.start")}</a>
      )}
      <h2 class="govuk-heading-m">{t("home.counts")}</h2>
      <ul class="ep-counts" data-testid="counts">
        {ORDER.map((status) => (
          <li class="ep-count" key={status}>
            <span class="ep-count__n">{counts ? counts.get(status) ?? 0 : "…"}</span>
            {t(`status.${status}`)}
          </li>
        ))}
        <li class="ep-count" key="device">
          <span class="ep-count__n">{drafts.filter((d) => d.state !== "sent").length}</span>
          {t("home.drafts")}
        </li>
      </ul>
      {waiting.length > 0 && <DraftList drafts={waiting} />}
    </>
  );
}
