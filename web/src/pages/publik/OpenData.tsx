/** Open data downloads: each dataset of the pemda and year in JSON and CSV, with its columns. */
import { useEffect, useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { ErrorSummary } from "../../components/ErrorSummary";
import { t, useLang } from "../../i18n";
import type { Problem } from "../../api/problem";
import { openDataCatalog, type Catalog } from "./data";
import { NotFoundCycle } from "./Rkpd";
import { cycleOf, Section } from "./Section";

export default function OpenData() {
  useLang();
  const { params } = useRoute();
  const cycle = cycleOf(params);
  const [data, setData] = useState<Catalog | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    setData(null);
    setProblem(null);
    if (cycle) void openDataCatalog(cycle.pemda, cycle.tahun).then((r) => (r.ok ? setData(r.data) : setProblem(r.problem)));
  }, [cycle?.pemda, cycle?.tahun]);
  if (!cycle) return <NotFoundCycle />;
  const { pemda, tahun } = cycle;
  return (
    <Section pemda={pemda} tahun={tahun}>
      <h1 class="govuk-heading-l">{t("data.title", { tahun })}</h1>
      <p class="govuk-body">{t("data.intro")}</p>
      {problem && <ErrorSummary problem={problem} />}
      {!data && !problem && <p class="govuk-body" role="status">…</p>}
      {data?.datasets.map((d) => {
        const name = t(`data.datasets.${d.dataset}`, { defaultValue: d.dataset });
        return (
          <section key={d.dataset} aria-labelledby={`ds-${d.dataset}`} class="ep-dataset">
            <h2 class="govuk-heading-m" id={`ds-${d.dataset}`}>{name}</h2>
            <p class="govuk-body">{d.judul}</p>
            <ul class="govuk-list">
              {(["csv", "json"] as const).map((fmt) => (
                <li key={fmt}><a class="govuk-link" href={d.formats[fmt]} download data-testid={`open-${d.dataset}-${fmt}`}>
                  {t("data.download", { dataset: name, format: fmt.toUpperCase() })}</a></li>
              ))}
            </ul>
            <details class="govuk-details">
              <summary class="govuk-details__summary"><span class="govuk-details__summary-text">{t("data.columns")}</span></summary>
              <div class="govuk-details__text"><code class="ep-hash">{d.columns.join(", ")}</code></div>
            </details>
          </section>
        );
      })}
    </Section>
  );
}
