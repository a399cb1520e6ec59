import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import type { Problem } from "../../api/problem";
import { formatDateTime, formatRupiah } from "../../format";
import { t, useLang } from "../../i18n";
import { needsAttention } from "../../offline/outbox";
import { useDrafts } from "../../offline/useDrafts";
import { usePlanYear } from "../../planYear";
import { listAll, overallStatus, type ListedUsulan } from "../../usulan";
import { DraftList } from "./Drafts";

export default function UsulanList() {
  const lang = useLang();
  const { query } = useLocation();
  const [tahun] = usePlanYear();
  const [items, setItems] = useState<ListedUsulan[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const drafts = useDrafts();
  const sentIds = drafts.map((d) => d.usulan?.id).join(",");

  useEffect(() => {
    void listAll(tahun).then((r) => {
      if ("items" in r) { setItems(r.items); setProblem(null); } else setProblem(r.problem);
    });
  }, [tahun, sentIds]);

  const waiting = drafts.filter(needsAttention);
  return (
    <>
      <h1 class="govuk-heading-l">{t("list.title")}</h1>
      {query.tersimpan && waiting.length > 0 && (
        <div class="govuk-notification-banner" role="region" aria-labelledby="saved-title">
          <div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="saved-title">{t("sync.local")}</h2></div>
          <div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">{t("form.savedOffline")}</p></div>
        </div>
      )}
      {waiting.length > 0 && <DraftList drafts={waiting} />}
      {problem && <p class="govuk-body">{problem.status === 0 ? t("list.offline") : problem.detail || problem.title}</p>}
      {items && items.length === 0 && <p class="govuk-body">{t("list.empty", { tahun })}</p>}
      {items && items.length > 0 && (
        <ul class="govuk-list ep-drafts" data-testid="usulan-list">
          {items.map((u) => (
            <li class="ep-draft" key={u.id}>
              <a class="govuk-link govuk-!-font-weight-bold" href={`/usulan/${u.id}`}>{u.kamus_item.nama}</a>
              <p class="govuk-body govuk-!-margin-bottom-1">{u.gagasan}</p>
              <p class="govuk-body-s govuk-!-margin-bottom-1">
                {t("list.code")}: <span class="ep-code">{u.tracking_code}</span> · {formatRupiah(u.current_cost)} · {formatDateTime(u.created_at, lang)}
              </p>
              <strong class="govuk-tag">{t(`status.${overallStatus(u)}`)}</strong>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
