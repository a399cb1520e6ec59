/** Charts for citizens: usulan accepted/merged/rejected per kecamatan (open data `usulan`), and the
 * plan's money per urusan and per kecamatan (open data `tabel-v`, the newest published RKPD).
 * Chart.js is loaded only on this page (its own chunk: never part of the desa home's first load);
 * every chart has its numbers in a table beside it too. */
import { useEffect, useRef, useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { formatNumber, formatRupiah } from "../../format";
import { t, useLang } from "../../i18n";
import { loadWilayah, regionName, type Wilayah } from "../../offline/reference";
import { openData } from "./data";
import { LINTAS, paguPerKecamatan, paguPerUrusan, usulanPerKecamatan, type TabelVRow, type UsulanRow } from "./chartsData";
import { NotFoundCycle } from "./Rkpd";
import { cycleOf, Section } from "./Section";

type ChartModule = typeof import("./chartjs");

interface Series { label: string; values: number[]; color: string }
interface BarSpec { labels: string[]; series: Series[]; money: boolean; horizontal?: boolean }

const BLUE = "#1d70b8";
const GREEN = "#00703c";
const RED = "#d4351c";
const GREY = "#505a5f";

export default function Charts() {
  const lang = useLang();
  const { params } = useRoute();
  const cycle = cycleOf(params);
  const [usulan, setUsulan] = useState<UsulanRow[] | null | "none">(null);
  const [tabelV, setTabelV] = useState<TabelVRow[] | null | "none">(null);
  const [wilayah, setWilayah] = useState<Wilayah | null>(null);
  const [chart, setChart] = useState<ChartModule | null>(null);
  useEffect(() => {
    if (!cycle) return;
    setUsulan(null);
    setTabelV(null);
    void openData(cycle.pemda, cycle.tahun, "usulan").then((r) => setUsulan(r.ok ? (r.data as UsulanRow[]) : "none"));
    void openData(cycle.pemda, cycle.tahun, "tabel-v").then((r) => setTabelV(r.ok ? (r.data as TabelVRow[]) : "none"));
    void loadWilayah(cycle.pemda).then((r) => setWilayah(r.ok ? r.data.value : null));
    void import("./chartjs").then(setChart);
  }, [cycle?.pemda, cycle?.tahun]);
  if (!cycle) return <NotFoundCycle />;
  const { pemda, tahun } = cycle;
  const kecName = (kode: string) => kode === LINTAS ? t("charts.lintas") : kode === "" ? t("charts.tanpaLokasi") : regionName(wilayah, kode);

  const perKec = Array.isArray(usulan) ? usulanPerKecamatan(usulan) : [];
  const urusan = Array.isArray(tabelV) ? paguPerUrusan(tabelV) : [];
  const kecPagu = Array.isArray(tabelV) ? paguPerKecamatan(tabelV) : [];
  return (
    <Section pemda={pemda} tahun={tahun}>
      <h1 class="govuk-heading-l">{t("charts.title", { tahun })}</h1>
      {!chart && <p class="govuk-body" role="status">{t("charts.loading")}</p>}
      <Figure id="usulan" title={t("charts.usulan")} chart={chart} lang={lang} empty={usulan === "none" ? t("charts.usulanNone") : null}
        loading={usulan === null} headers={[t("charts.kecamatanCol"), t("charts.accepted"), t("charts.merged"), t("charts.rejected")]}
        spec={{ labels: perKec.map((k) => kecName(k.kecamatan)), money: false, series: [
          { label: t("charts.accepted"), values: perKec.map((k) => k.diterima), color: GREEN },
          { label: t("charts.merged"), values: perKec.map((k) => k.digabung), color: GREY },
          { label: t("charts.rejected"), values: perKec.map((k) => k.ditolak), color: RED },
        ] }} />
      <Figure id="urusan" title={t("charts.urusan")} chart={chart} lang={lang} empty={tabelV === "none" ? t("charts.paguNone") : null}
        loading={tabelV === null} headers={[t("charts.urusanCol"), t("charts.pagu")]}
        spec={{ labels: urusan.map((u) => `${u.kode}. ${u.uraian}`), money: true, horizontal: true, series: [
          { label: t("charts.pagu"), values: urusan.map((u) => u.pagu), color: BLUE },
        ] }} />
      <Figure id="kecamatan" title={t("charts.kecamatan")} chart={chart} lang={lang} empty={tabelV === "none" ? t("charts.paguNone") : null}
        loading={tabelV === null} headers={[t("charts.kecamatanCol"), t("charts.pagu")]}
        spec={{ labels: kecPagu.map((k) => kecName(k.kecamatan)), money: true, horizontal: true, series: [
          { label: t("charts.pagu"), values: kecPagu.map((k) => k.pagu), color: BLUE },
        ] }} />
    </Section>
  );
}

/** Axis ticks: rupiah in short form (`Rp18 M` = 18 miliar; en: `IDR 18B`), Intl's compact notation. */
export function compactRupiah(value: number, lang: "id" | "en"): string {
  return new Intl.NumberFormat(lang === "en" ? "en-GB" : "id-ID", {
    style: "currency", currency: "IDR", notation: "compact", maximumFractionDigits: 1,
  }).format(value).replace(/\s/g, "");
}

function Figure({ id, title, spec, chart, lang, empty, loading, headers }: {
  id: string; title: string; spec: BarSpec; chart: ChartModule | null; lang: "id" | "en"; empty: string | null; loading: boolean; headers: string[];
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const ready = chart !== null && !loading && !empty && spec.labels.length > 0;
  const key = JSON.stringify(spec) + lang;
  useEffect(() => {
    if (!ready || !canvas.current) return;
    const instance = chart.drawBars(canvas.current, {
      ...spec,
      format: (v: number) => (spec.money ? formatRupiah(Math.round(v)) : formatNumber(v, lang)),
      axis: (v: number) => (spec.money ? compactRupiah(v, lang) : formatNumber(v, lang)),
    });
    return () => instance.destroy();
  }, [ready, key]);
  const format = (v: number) => (spec.money ? formatRupiah(Math.round(v)) : formatNumber(v, lang));
  const summary = spec.labels.map((l, i) => `${l}: ${spec.series.map((s) => `${s.label} ${format(s.values[i] ?? 0)}`).join(", ")}`).join("; ");
  return (
    <figure class="ep-figure" aria-labelledby={`fig-${id}`} data-testid={`chart-${id}`}>
      <figcaption class="govuk-heading-m" id={`fig-${id}`}>{title}</figcaption>
      {empty && <p class="govuk-body">{empty}</p>}
      {loading && <p class="govuk-body" role="status">…</p>}
      {ready && (
        <>
          <div class={"ep-chart" + (spec.horizontal ? " ep-chart--tall" : "")}>
            <canvas ref={canvas} role="img" aria-label={`${title}. ${summary}`} data-testid={`canvas-${id}`} />
          </div>
          <details class="govuk-details">
            <summary class="govuk-details__summary"><span class="govuk-details__summary-text">{t("charts.table")}</span></summary>
            <div class="govuk-details__text ep-scroll" tabIndex={0} role="region" aria-label={`${t("charts.table")}: ${title}`}>
              <table class="govuk-table ep-table-s">
                <thead class="govuk-table__head"><tr class="govuk-table__row">
                  {headers.map((h, i) => <th scope="col" key={i} class={"govuk-table__header" + (i ? " govuk-table__header--numeric" : "")}>{h}</th>)}
                </tr></thead>
                <tbody class="govuk-table__body">
                  {spec.labels.map((label, i) => (
                    <tr class="govuk-table__row" key={label}>
                      <th scope="row" class="govuk-table__header">{label}</th>
                      {spec.series.map((s) => <td key={s.label} class="govuk-table__cell govuk-table__cell--numeric">{format(s.values[i] ?? 0)}</td>)}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </figure>
  );
}
