/** The berita acara of a closed kecamatan forum: shown as a document (the meeting, the frozen
 * ranking, every decision with the original volume and cost beside the changed ones), printed on a
 * clean A4 page (print stylesheet), and downloaded as the service's Markdown text whose SHA-256 is
 * shown and checked in the browser against the bytes received. */
import { useEffect, useState } from "preact/hooks";
import { authHeaders, baseUrl } from "../../api/client";
import { ErrorSummary } from "../../components/ErrorSummary";
import { formatDate, formatDateTime, formatNumber, formatRupiah } from "../../format";
import { t, useLang } from "../../i18n";
import type { Problem } from "../../api/problem";
import { beritaAcara, sha256Hex, type BeritaAcara as BA } from "./data";
import { Frame, type ForumContext } from "./Frame";

export default function BeritaAcaraPage() {
  return <Frame>{(forum) => <Document forum={forum} />}</Frame>;
}

function Document({ forum }: { forum: ForumContext }) {
  const lang = useLang();
  const [data, setData] = useState<BA | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [downloaded, setDownloaded] = useState<{ sha: string; ok: boolean } | null>(null);
  useEffect(() => {
    void beritaAcara(forum.tahun, forum.kecamatan).then((r) => (r.ok ? setData(r.data) : setProblem(r.problem)));
  }, [forum.tahun, forum.kecamatan]);
  const file = `berita_acara_${forum.kecamatan}_${forum.tahun}.md`;

  async function download() {
    if (!data) return;
    const response = await fetch(`${baseUrl()}/v1/musrenbang/${forum.tahun}/kecamatan/${forum.kecamatan}/berita-acara.md`, { headers: authHeaders() });
    if (!response.ok) return;
    const bytes = await response.arrayBuffer();
    const sha = await sha256Hex(bytes);
    setDownloaded({ sha, ok: sha === data.digest });
    const url = URL.createObjectURL(new Blob([bytes], { type: "text/markdown" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = file;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  if (problem) {
    return problem.status === 404 || problem.status === 409
      ? <><h1 class="govuk-heading-l">{t("forum.ba")}</h1><p class="govuk-body">{t("forum.baNotYet")}</p></>
      : <ErrorSummary problem={problem} />;
  }
  if (!data) return <p class="govuk-body" role="status">…</p>;
  const ba = data.berita_acara;
  const code = (id: string) => ba.keputusan.find((k) => k.usulan_id === id)?.tracking_code ?? ba.ranking.find((r) => r.usulan_id === id)?.tracking_code ?? id;
  return (
    <>
      <div class="govuk-button-group ep-noprint">
        <button type="button" class="govuk-button" onClick={() => window.print()}>{t("forum.print")}</button>
        <button type="button" class="govuk-button govuk-button--secondary" onClick={() => void download()} data-testid="ba-download">{t("forum.downloadMd")}</button>
      </div>
      <p class="govuk-body ep-noprint">{t("forum.baIntro")}</p>
      {downloaded && (
        <p class="govuk-body ep-noprint" role="status" data-testid="ba-downloaded">
          {downloaded.ok ? "✓" : "✗"} SHA-256 {downloaded.sha}</p>
      )}
      <article class="ep-ba" data-testid="berita-acara">
        <h1>{`BERITA ACARA MUSRENBANG KECAMATAN ${forum.name(ba.kecamatan).toUpperCase()}`}</h1>
        <p>{t("forum.title", { nama: forum.name(ba.kecamatan), tahun: ba.tahun })}</p>
        <table>
          <tbody>
            <tr><th scope="row">{t("forum.tanggal")}</th><td>{formatDate(ba.tanggal + "T12:00:00+07:00", lang)}</td></tr>
            <tr><th scope="row">{t("forum.tempat")}</th><td>{ba.tempat}</td></tr>
            <tr><th scope="row">{t("forum.peserta")}</th><td>{formatNumber(ba.jumlah_peserta, lang)}</td></tr>
            {ba.pimpinan && <tr><th scope="row">{t("forum.pimpinan").replace(/ \(.*\)$/, "")}</th><td>{ba.pimpinan}</td></tr>}
            <tr><th scope="row">{t("forum.closedAt", { at: "" }).trim()}</th><td>{formatDateTime(data.closed_at, lang)}</td></tr>
          </tbody>
        </table>
        {ba.catatan && <p>{ba.catatan}</p>}
        <h2>{t("forum.ranking")}</h2>
        <table data-testid="ba-ranking">
          <thead><tr><th scope="col">{t("forum.position")}</th><th scope="col">{t("list.code")}</th><th scope="col">{t("forum.desa")}</th>
            <th scope="col">{t("forum.total")}</th><th scope="col">{t("forum.cost")}</th><th scope="col">{t("forum.status")}</th></tr></thead>
          <tbody>
            {ba.ranking.map((r) => (
              <tr key={r.usulan_id}><td>{r.position}</td><td>{r.tracking_code}</td><td>{forum.name(r.desa)}</td><td>{r.total}</td>
                <td>{formatRupiah(r.cost)}</td><td>{t(`status.${r.status}`)}</td></tr>
            ))}
          </tbody>
        </table>
        <h2>{t("forum.decide")}</h2>
        <table data-testid="ba-keputusan">
          <thead><tr><th scope="col">{t("list.code")}</th><th scope="col">{t("forum.desa")}</th><th scope="col">{t("form.gagasan")}</th>
            <th scope="col">{t("forum.decision")}</th><th scope="col">{t("forum.volume")} / {t("forum.cost")}</th><th scope="col">{t("forum.reason")}</th></tr></thead>
          <tbody>
            {ba.keputusan.map((k) => (
              <tr key={k.usulan_id}>
                <td>{k.tracking_code}</td><td>{k.desa_nama ?? forum.name(k.desa)}</td><td>{k.gagasan}</td>
                <td>{t(`status.${k.status}`)}{k.merge_target ? ` → ${code(k.merge_target)}` : ""}</td>
                <td>{formatNumber(k.volume, lang)} · {formatRupiah(k.cost)}
                  {k.volume !== k.original_volume && <><br />{t("forum.original", { volume: formatNumber(k.original_volume, lang), satuan: "", cost: formatRupiah(k.original_cost) }).replace("  ", " ")}</>}</td>
                <td>{k.reason || "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>{t("forum.digest")}</h2>
        <p><code class="ep-hash" data-testid="ba-digest">{data.digest}</code></p>
        <div class="ep-noprint">
          <p>{t("forum.baVerify")}</p>
          <pre class="ep-pre"><code>sha256sum {file}{"\n"}certutil -hashfile {file} SHA256</code></pre>
        </div>
      </article>
    </>
  );
}
