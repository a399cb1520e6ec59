/** The pokir register: every pokir the DPRD delivered to Bappeda, with member, fraksi, dapil, amount, status. */
import { useEffect, useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { ErrorSummary } from "../../components/ErrorSummary";
import { formatRupiah } from "../../format";
import { t, useLang } from "../../i18n";
import type { Problem } from "../../api/problem";
import { pokirRegister, type PokirRegister } from "./data";
import { NotFoundCycle } from "./Rkpd";
import { cycleOf, NotPublished, Section } from "./Section";

/** Exact rupiah sum of decimal strings (in sen, as integers: no float drift). */
export function sumRupiah(amounts: string[]): string {
  let sen = 0n;
  for (const a of amounts) {
    const [whole = "0", frac = ""] = a.split(".");
    sen += BigInt(whole) * 100n + BigInt((frac + "00").slice(0, 2));
  }
  return `${sen / 100n}.${String(sen % 100n).padStart(2, "0")}`;
}

export default function Pokir() {
  useLang();
  const { params } = useRoute();
  const cycle = cycleOf(params);
  const [data, setData] = useState<PokirRegister | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    setData(null);
    setProblem(null);
    if (cycle) void pokirRegister(cycle.pemda, cycle.tahun).then((r) => (r.ok ? setData(r.data) : setProblem(r.problem)));
  }, [cycle?.pemda, cycle?.tahun]);
  if (!cycle) return <NotFoundCycle />;
  const { pemda, tahun } = cycle;
  return (
    <Section pemda={pemda} tahun={tahun}>
      <h1 class="govuk-heading-l">{t("pokir.title", { tahun })}</h1>
      <p class="govuk-body">{t("pokir.intro")}</p>
      {problem && (problem.status === 404 ? <NotPublished pemda={pemda} tahun={tahun} slug="pokir" /> : <ErrorSummary problem={problem} />)}
      {!data && !problem && <p class="govuk-body" role="status">…</p>}
      {data && data.items.length === 0 && <p class="govuk-body">{t("pokir.empty", { tahun })}</p>}
      {data && data.items.length > 0 && (
        <>
          <p class="govuk-body" data-testid="pokir-count">{t("pokir.count", { n: data.items.length, total: formatRupiah(sumRupiah(data.items.map((p) => p.cost))) })}</p>
          <div class="ep-scroll" tabIndex={0} role="region" aria-label={t("pokir.title", { tahun })}>
            <table class="govuk-table ep-table-s" data-testid="pokir-table">
              <thead class="govuk-table__head"><tr class="govuk-table__row">
                <th scope="col" class="govuk-table__header">{t("pokir.judul")}</th>
                <th scope="col" class="govuk-table__header">{t("pokir.anggota")}</th>
                <th scope="col" class="govuk-table__header">{t("pokir.fraksi")}</th>
                <th scope="col" class="govuk-table__header">{t("pokir.dapil")}</th>
                <th scope="col" class="govuk-table__header">{t("pokir.lokasi")}</th>
                <th scope="col" class="govuk-table__header govuk-table__header--numeric">{t("pokir.cost")}</th>
                <th scope="col" class="govuk-table__header">{t("pokir.status")}</th>
              </tr></thead>
              <tbody class="govuk-table__body">
                {data.items.map((p) => (
                  <tr class="govuk-table__row" key={p.id}>
                    <td class="govuk-table__cell">{p.judul}</td>
                    <td class="govuk-table__cell">{p.anggota}</td>
                    <td class="govuk-table__cell">{p.fraksi}</td>
                    <td class="govuk-table__cell">{p.dapil}</td>
                    <td class="govuk-table__cell">{[p.desa, p.kecamatan].filter(Boolean).join(", ")}</td>
                    <td class="govuk-table__cell govuk-table__cell--numeric">{formatRupiah(p.cost)}</td>
                    <td class="govuk-table__cell">{p.status_label}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Section>
  );
}
