/** Likely duplicates of the kecamatan (this year's and earlier years'), side by side, with a way to
 * merge one into the other (the decision form, prefilled). */
import { useEffect, useState } from "preact/hooks";
import { ErrorSummary } from "../../components/ErrorSummary";
import { formatNumber, formatRupiah } from "../../format";
import { t, useLang } from "../../i18n";
import type { Problem } from "../../api/problem";
import { duplicates, usulanOfKecamatan, type Duplicates, type UsulanItem } from "./data";
import { Frame, type ForumContext } from "./Frame";

export default function DuplicatesPage() {
  return <Frame>{(forum) => <Pairs forum={forum} />}</Frame>;
}

function Pairs({ forum }: { forum: ForumContext }) {
  const lang = useLang();
  const [data, setData] = useState<Duplicates | null>(null);
  const [items, setItems] = useState<Map<string, UsulanItem>>(new Map());
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    void duplicates(forum.tahun, forum.kecamatan).then((r) => (r.ok ? setData(r.data) : setProblem(r.problem)));
    void usulanOfKecamatan(forum.tahun, forum.kecamatan).then((r) => r.ok && setItems(new Map(r.data.map((u) => [u.id, u]))));
  }, [forum.tahun, forum.kecamatan]);
  const pct = (score: number) => new Intl.NumberFormat(lang === "en" ? "en-GB" : "id-ID", { style: "percent" }).format(score);

  function Side({ u, id, tahun }: { u: UsulanItem | undefined; id: string; tahun: number }) {
    return (
      <div class="ep-pair__side">
        {u ? (
          <>
            <p class="govuk-body-s ep-card__meta"><span class="ep-code">{u.tracking_code}</span> · {forum.name(u.desa)}</p>
            <h3 class="govuk-heading-s">{u.gagasan}</h3>
            <p class="govuk-body-s">{u.permasalahan}</p>
            <p class="govuk-body-s">{u.kamus_item.nama} · {formatNumber(u.current_volume, lang)} {u.kamus_item.satuan} · {formatRupiah(u.current_cost)}</p>
            <strong class="govuk-tag govuk-tag--grey">{t(`status.${u.status_per_level.kecamatan}`)}</strong>
          </>
        ) : <p class="govuk-body-s">{tahun !== forum.tahun ? t("forum.earlier", { tahun }) : id}</p>}
      </div>
    );
  }

  return (
    <>
      <h1 class="govuk-heading-l">{t("forum.duplicates")}</h1>
      <p class="govuk-body">{t("forum.dupIntro")}</p>
      <ErrorSummary problem={problem} />
      {!data && !problem && <p class="govuk-body" role="status">…</p>}
      {data && data.items.length === 0 && <p class="govuk-body">{t("forum.dupNone")}</p>}
      {data?.items.map((p) => {
        const a = items.get(p.usulan_id);
        const b = p.other_tahun === data.tahun ? items.get(p.other_id) : undefined;
        const open = a && a.status_per_level.kecamatan === "belum diputuskan";
        return (
          <section key={`${p.usulan_id}-${p.other_id}`} class="govuk-!-margin-bottom-6" aria-label={t("forum.similarity", { pct: pct(p.score) })} data-testid="dup-pair">
            <p class="govuk-body"><strong>{t("forum.similarity", { pct: pct(p.score) })}</strong> — {p.reason}</p>
            <div class="ep-pair">
              <Side u={a} id={p.usulan_id} tahun={data.tahun} />
              <Side u={b} id={p.other_id} tahun={p.other_tahun} />
            </div>
            {open && b && (
              <a class="govuk-button govuk-button--secondary ep-noprint" href={forum.link(`/kecamatan/usulan/${a.id}?gabung=${b.id}`)}>
                {t("forum.mergeThis", { a: a.tracking_code, b: b.tracking_code })}</a>
            )}
          </section>
        );
      })}
    </>
  );
}
