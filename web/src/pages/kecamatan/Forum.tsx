/** The forum's usulan: every usulan of the kecamatan's desa, filtered by desa, OPD, status at the
 * kecamatan and the likely-duplicate flag, each with its score total and a link to decide it. */
import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { ErrorSummary } from "../../components/ErrorSummary";
import { formatNumber, formatRupiah } from "../../format";
import { t, useLang } from "../../i18n";
import type { Problem } from "../../api/problem";
import { duplicates, flagged, ranking, usulanOfKecamatan, type Duplicates, type Ranking, type UsulanItem } from "./data";
import { Frame, type ForumContext } from "./Frame";

export const LEVEL_STATUSES = ["belum diputuskan", "diterima", "diterima dengan perubahan", "digabung", "ditolak", "tidak diteruskan", "ditarik", "draft"] as const;

export interface Filters { desa: string; opd: string; status: string; dup: boolean }

/** The usulan the filters let through (empty filter: any). */
export function applyFilters(items: UsulanItem[], f: Filters, dup: Set<string>): UsulanItem[] {
  return items.filter((u) =>
    (!f.desa || u.desa === f.desa) && (!f.opd || u.kamus_item.opd === f.opd)
    && (!f.status || u.status_per_level.kecamatan === f.status) && (!f.dup || dup.has(u.id)));
}

export default function Forum() {
  return <Frame>{(forum) => <ForumList forum={forum} />}</Frame>;
}

function ForumList({ forum }: { forum: ForumContext }) {
  const lang = useLang();
  const { query, route, path } = useLocation();
  const [items, setItems] = useState<UsulanItem[] | null>(null);
  const [dups, setDups] = useState<Duplicates | null>(null);
  const [rank, setRank] = useState<Ranking | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const filters: Filters = { desa: query.desa ?? "", opd: query.opd ?? "", status: query.status ?? "", dup: query.duplikat === "1" };
  const [draft, setDraft] = useState<Filters>(filters);
  useEffect(() => {
    void usulanOfKecamatan(forum.tahun, forum.kecamatan).then((r) => (r.ok ? setItems(r.data) : setProblem(r.problem)));
    void duplicates(forum.tahun, forum.kecamatan).then((r) => r.ok && setDups(r.data));
    void ranking(forum.tahun, forum.kecamatan).then((r) => r.ok && setRank(r.data));
  }, [forum.tahun, forum.kecamatan]);

  function apply(event: Event) {
    event.preventDefault();
    const q = new URLSearchParams();
    if (query.kecamatan) q.set("kecamatan", query.kecamatan);
    if (draft.desa) q.set("desa", draft.desa);
    if (draft.opd) q.set("opd", draft.opd);
    if (draft.status) q.set("status", draft.status);
    if (draft.dup) q.set("duplikat", "1");
    route(path + (q.size ? `?${q}` : ""));
  }

  const dupIds = flagged(dups);
  const totals = new Map((rank?.ranking ?? []).map((r) => [r.usulan_id, r.total]));
  const desaCodes = [...new Set((items ?? []).map((u) => u.desa))].sort();
  const opdCodes = [...new Set((items ?? []).map((u) => u.kamus_item.opd))].sort();
  const shown = items ? applyFilters(items, filters, dupIds) : [];
  return (
    <>
      <h1 class="govuk-heading-l">{t("forum.tabs.usulan")}</h1>
      <ErrorSummary problem={problem} />
      <form onSubmit={apply} class="ep-noprint" aria-labelledby="filters-heading">
        <h2 class="govuk-heading-s" id="filters-heading">{t("forum.filters")}</h2>
        <div class="ep-filters">
          <Select id="f-desa" label={t("forum.desa")} value={draft.desa} onChange={(desa) => setDraft({ ...draft, desa })}
            options={desaCodes.map((d) => [d, forum.name(d)])} />
          <Select id="f-opd" label={t("forum.opd")} value={draft.opd} onChange={(opd) => setDraft({ ...draft, opd })}
            options={opdCodes.map((o) => [o, o])} />
          <Select id="f-status" label={t("forum.status")} value={draft.status} onChange={(status) => setDraft({ ...draft, status })}
            options={LEVEL_STATUSES.map((s) => [s, t(`status.${s}`)])} />
        </div>
        <div class="govuk-checkboxes govuk-checkboxes--small govuk-!-margin-bottom-4">
          <div class="govuk-checkboxes__item">
            <input class="govuk-checkboxes__input" id="f-dup" type="checkbox" checked={draft.dup}
              onChange={(e) => setDraft({ ...draft, dup: e.currentTarget.checked })} />
            <label class="govuk-label govuk-checkboxes__label" for="f-dup">{t("forum.dupOnly")}</label>
          </div>
        </div>
        <button type="submit" class="govuk-button govuk-button--secondary">{t("forum.apply")}</button>
      </form>
      {!items && !problem && <p class="govuk-body" role="status">…</p>}
      {items && (
        <>
          <p class="govuk-body" role="status" data-testid="forum-count">{t("forum.count", { n: shown.length })}</p>
          {shown.length === 0 && <p class="govuk-body">{t("forum.empty")}</p>}
          <ul class="ep-cards" data-testid="forum-list">
            {shown.map((u) => {
              const total = totals.get(u.id);
              return (
                <li key={u.id} class={"ep-card" + (dupIds.has(u.id) ? " ep-card--dup" : "")} data-testid={`forum-item-${u.tracking_code}`}>
                  <h3 class="govuk-heading-s ep-card__title">
                    <a class="govuk-link" href={forum.link(`/kecamatan/usulan/${u.id}`)}>{u.gagasan}</a>
                  </h3>
                  <p class="govuk-body-s ep-card__meta">
                    <span class="ep-code">{u.tracking_code}</span> · {forum.name(u.desa)} · {u.kamus_item.nama}<br />
                    {formatNumber(u.current_volume, lang)} {u.kamus_item.satuan} · {formatRupiah(u.current_cost)}
                    {" · "}{t("forum.score")}: {total ?? t("forum.noScore")}
                  </p>
                  <strong class="govuk-tag govuk-tag--grey">{t(`status.${u.status_per_level.kecamatan}`)}</strong>
                  {dupIds.has(u.id) && <strong class="govuk-tag govuk-tag--orange ep-tag-gap">{t("forum.dupFlag")}</strong>}
                </li>
              );
            })}
          </ul>
        </>
      )}
    </>
  );
}

function Select({ id, label, value, options, onChange }: {
  id: string; label: string; value: string; options: [string, string][]; onChange: (v: string) => void;
}) {
  return (
    <div class="govuk-form-group">
      <label class="govuk-label" for={id}>{label}</label>
      <select class="govuk-select" id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">{t("forum.all")}</option>
        {options.map(([v, text]) => <option key={v} value={v}>{text}</option>)}
      </select>
    </div>
  );
}
