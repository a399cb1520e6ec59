/** The published RKPD of a pemda and year: every published version, each file with its size and
 * SHA-256, the download, and how anyone can check a file (`sha256sum`). */
import { useEffect, useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { ErrorSummary } from "../../components/ErrorSummary";
import { formatDateTime, formatNumber } from "../../format";
import { t, useLang } from "../../i18n";
import type { Problem } from "../../api/problem";
import { publishedRkpd, type Published } from "./data";
import { cycleOf, NotPublished, Section } from "./Section";

const ORDER = ["pdf", "xlsx", "html", "json"] as const;

/** The name a downloaded file gets (the gateway's Content-Disposition). */
export function downloadName(pemda: string, tahun: number, nomor: number, fmt: string): string {
  return `rkpd_${pemda}_${tahun}_v${nomor}.${fmt}`;
}

export default function Rkpd() {
  const lang = useLang();
  const { params } = useRoute();
  const cycle = cycleOf(params);
  const [data, setData] = useState<Published | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    setData(null);
    setProblem(null);
    if (cycle) void publishedRkpd(cycle.pemda, cycle.tahun).then((r) => (r.ok ? setData(r.data) : setProblem(r.problem)));
  }, [cycle?.pemda, cycle?.tahun]);
  if (!cycle) return <NotFoundCycle />;
  const { pemda, tahun } = cycle;
  const versions = data ? [...data.versi].reverse() : [];
  const example = data ? downloadName(pemda, tahun, data.terkini, "pdf") : "";
  return (
    <Section pemda={pemda} tahun={tahun}>
      <h1 class="govuk-heading-l">{t("rkpd.title", { nama: data?.pemda_nama ?? pemda, tahun })}</h1>
      {problem && (problem.status === 404 ? <NotPublished pemda={pemda} tahun={tahun} slug="rkpd" /> : <ErrorSummary problem={problem} />)}
      {!data && !problem && <p class="govuk-body" role="status">…</p>}
      {data && (
        <>
          <h2 class="govuk-heading-m">{t("rkpd.versions")}</h2>
          {versions.map((v) => (
            <section key={v.nomor} class="ep-version" aria-labelledby={`v${v.nomor}`} data-testid={`rkpd-version-${v.nomor}`}>
              <h3 class="govuk-heading-s" id={`v${v.nomor}`}>
                {t("rkpd.version", { nomor: v.nomor, versi: t(`rkpd.versi.${v.versi}`, { defaultValue: v.versi }) })}
                {v.nomor === data.terkini && <strong class="govuk-tag govuk-tag--green ep-tag-gap">{t("rkpd.latest")}</strong>}
                {v.ditetapkan && <strong class="govuk-tag ep-tag-gap">{t("rkpd.final")}</strong>}
              </h3>
              <p class="govuk-body-s">{t("rkpd.published", { at: formatDateTime(v.dipublikasikan_pada, lang) })}<br />
                {t("rkpd.contentHash")}: <code class="ep-hash">{v.content_hash}</code></p>
              <table class="govuk-table ep-files">
                <thead class="govuk-table__head"><tr class="govuk-table__row">
                  <th scope="col" class="govuk-table__header">{t("rkpd.format")}</th>
                  <th scope="col" class="govuk-table__header">{t("rkpd.size")}</th>
                  <th scope="col" class="govuk-table__header">{t("rkpd.sha256")}</th>
                </tr></thead>
                <tbody class="govuk-table__body">
                  {ORDER.filter((fmt) => v.files[fmt]).map((fmt) => {
                    const f = v.files[fmt]!;
                    const label = t(`rkpd.formats.${fmt}`);
                    return (
                      <tr class="govuk-table__row" key={fmt}>
                        <th scope="row" class="govuk-table__header">
                          <a class="govuk-link" href={f.url} download={downloadName(pemda, tahun, v.nomor, fmt)}
                            aria-label={t("rkpd.downloadLabel", { nomor: v.nomor, format: label })} data-testid={`download-${v.nomor}-${fmt}`}>
                            {t("rkpd.download", { format: label })}</a>
                        </th>
                        <td class="govuk-table__cell">{formatNumber(Math.ceil(f.bytes / 1024), lang)} KB</td>
                        <td class="govuk-table__cell"><code class="ep-hash" data-testid={`sha256-${v.nomor}-${fmt}`}>{f.sha256}</code></td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </section>
          ))}
          <h2 class="govuk-heading-m">{t("rkpd.verifyTitle")}</h2>
          <p class="govuk-body">{t("rkpd.verifyIntro")}</p>
          <p class="govuk-body">{t("rkpd.verifyLinux")}</p>
          <pre class="ep-pre"><code>sha256sum {example}</code></pre>
          <p class="govuk-body">{t("rkpd.verifyWindows")}</p>
          <pre class="ep-pre"><code>certutil -hashfile {example} SHA256</code></pre>
          <p class="govuk-body">{t("rkpd.verifyCompare")}</p>
        </>
      )}
    </Section>
  );
}

export function NotFoundCycle() {
  return (
    <>
      <h1 class="govuk-heading-l">{t("error.notFound")}</h1>
      <p class="govuk-body"><a class="govuk-link" href="/publik">{t("publik.title")}</a></p>
    </>
  );
}
