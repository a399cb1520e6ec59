/** The live ranking of the kecamatan (the service's deterministic rule), refreshed every 15 s while
 * the forum is open; once closed, the frozen list of the berita acara. */
import { useEffect, useState } from "preact/hooks";
import { ErrorSummary } from "../../components/ErrorSummary";
import { formatNumber, formatRupiah } from "../../format";
import { t, useLang } from "../../i18n";
import type { Problem } from "../../api/problem";
import { ranking, type Ranking as RankingData } from "./data";
import { Frame, type ForumContext } from "./Frame";

export default function RankingPage() {
  return <Frame>{(forum) => <RankingView forum={forum} />}</Frame>;
}

function RankingView({ forum }: { forum: ForumContext }) {
  const lang = useLang();
  const [data, setData] = useState<RankingData | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    let stop = false;
    const load = () => void ranking(forum.tahun, forum.kecamatan).then((r) => {
      if (stop) return;
      if (r.ok) { setData(r.data); setProblem(null); } else setProblem(r.problem);
    });
    load();
    const timer = setInterval(() => { if (document.visibilityState === "visible" && !data?.frozen) load(); }, 15_000);
    return () => { stop = true; clearInterval(timer); };
  }, [forum.tahun, forum.kecamatan]);
  return (
    <>
      <h1 class="govuk-heading-l">{t("forum.ranking")}</h1>
      <ErrorSummary problem={problem} />
      {!data && !problem && <p class="govuk-body" role="status">…</p>}
      {data && (
        <>
          <p class="govuk-body">{data.frozen ? t("forum.frozen") : t("forum.live")}</p>
          <p class="govuk-body-s">{t("forum.rule", { rule: data.rule })}</p>
          <div class="ep-scroll" tabIndex={0} role="region" aria-label={t("forum.ranking")}>
            <table class="govuk-table ep-table-s" data-testid="ranking">
              <thead class="govuk-table__head"><tr class="govuk-table__row">
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">{t("forum.position")}</th>
                <th scope="col" class="govuk-table__header">{t("list.code")}</th>
                <th scope="col" class="govuk-table__header">{t("forum.desa")}</th>
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">{t("forum.total")}</th>
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">{t("forum.cost")}</th>
                <th scope="col" class="govuk-table__header">{t("forum.status")}</th>
              </tr></thead>
              <tbody class="govuk-table__body">
                {data.ranking.map((r) => (
                  <tr class="govuk-table__row" key={r.usulan_id} data-testid={`rank-${r.tracking_code}`}>
                    <td class="govuk-table__cell govuk-table__cell--numeric">{r.position}</td>
                    <td class="govuk-table__cell"><a class="govuk-link ep-code" href={forum.link(`/kecamatan/usulan/${r.usulan_id}`)}>{r.tracking_code}</a></td>
                    <td class="govuk-table__cell">{forum.name(r.desa)}</td>
                    <td class="govuk-table__cell govuk-table__cell--numeric">{formatNumber(r.total, lang)}</td>
                    <td class="govuk-table__cell govuk-table__cell--numeric">{formatRupiah(r.cost)}</td>
                    <td class="govuk-table__cell">{t(`status.${r.status}`)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
