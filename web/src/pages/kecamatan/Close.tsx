/** Closing the kecamatan forum: refused while an usulan awaits the forum's decision (the page says
 * how many and links to them); the meeting's particulars go into the berita acara. */
import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { fieldMessages, type Problem } from "../../api/problem";
import { newIdempotencyKey } from "../../api/client";
import { describedBy, ErrorSummary, Field, fieldId, type SummaryItem } from "../../components/ErrorSummary";
import { t, useLang } from "../../i18n";
import { beritaAcara, closeForum, usulanOfKecamatan, type UsulanItem } from "./data";
import { Frame, type ForumContext } from "./Frame";

/** Today's date in WIB as YYYY-MM-DD (the forum's default date). */
export function todayWib(now: Date = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Jakarta", year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

export default function ClosePage() {
  return <Frame>{(forum) => <CloseForm forum={forum} />}</Frame>;
}

function CloseForm({ forum }: { forum: ForumContext }) {
  useLang();
  const { route } = useLocation();
  const [items, setItems] = useState<UsulanItem[] | null>(null);
  const [closed, setClosed] = useState(false);
  const [tanggal, setTanggal] = useState(todayWib());
  const [tempat, setTempat] = useState("");
  const [peserta, setPeserta] = useState("");
  const [pimpinan, setPimpinan] = useState("");
  const [catatan, setCatatan] = useState("");
  const [errors, setErrors] = useState<SummaryItem[]>([]);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [key] = useState(newIdempotencyKey);
  useEffect(() => {
    void usulanOfKecamatan(forum.tahun, forum.kecamatan).then((r) => r.ok && setItems(r.data));
    void beritaAcara(forum.tahun, forum.kecamatan).then((r) => setClosed(r.ok));
  }, [forum.tahun, forum.kecamatan]);

  async function submit(event: Event) {
    event.preventDefault();
    const found: SummaryItem[] = [];
    if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(tanggal)) found.push({ field: "tanggal", message: t("forum.tanggalInvalid") });
    if (!tempat.trim()) found.push({ field: "tempat", message: t("forum.tempatRequired") });
    if (!/^[0-9]+$/.test(peserta.trim()) || Number(peserta) < 1) found.push({ field: "jumlah_peserta", message: t("forum.pesertaInvalid") });
    setErrors(found);
    setProblem(null);
    if (found.length) return;
    setBusy(true);
    const r = await closeForum(forum.tahun, forum.kecamatan, {
      tanggal, tempat: tempat.trim(), jumlah_peserta: Number(peserta),
      pimpinan: pimpinan.trim() || null, catatan: catatan.trim() || null,
    }, key);
    setBusy(false);
    if (r.ok) route(forum.link("/kecamatan/berita-acara"));
    else setProblem(r.problem);
  }

  const pending = (items ?? []).filter((u) => u.status_per_level.kecamatan === "belum diputuskan");
  const known = ["tanggal", "tempat", "jumlah_peserta", "pimpinan", "catatan"];
  const errs = (name: string) => [...errors.filter((e) => e.field === name).map((e) => e.message), ...fieldMessages(problem, name)];
  const input = (name: string, label: string, value: string, set: (v: string) => void, type = "text", cls = "govuk-input") => {
    const id = fieldId(name);
    return (
      <Field id={id} label={label} errors={errs(name)}>
        <input class={cls} id={id} type={type} value={value} aria-describedby={describedBy(id, false, errs(name))}
          inputMode={type === "number" ? "numeric" : undefined} onInput={(e) => set(e.currentTarget.value)} />
      </Field>
    );
  };
  return (
    <>
      <h1 class="govuk-heading-l">{t("forum.close")}</h1>
      {closed ? (
        <p class="govuk-body">{t("forum.closed")} <a class="govuk-link" href={forum.link("/kecamatan/berita-acara")}>{t("forum.ba")}</a></p>
      ) : (
        <>
          <p class="govuk-body">{t("forum.closeIntro")}</p>
          {pending.length > 0 && (
            <div class="govuk-warning-text" data-testid="pending">
              <span class="govuk-warning-text__icon" aria-hidden="true">!</span>
              <strong class="govuk-warning-text__text">{t("forum.pending", { n: pending.length })}
                <ul class="govuk-list">
                  {pending.map((u) => <li key={u.id}><a class="govuk-link" href={forum.link(`/kecamatan/usulan/${u.id}`)}>{u.tracking_code} · {u.gagasan}</a></li>)}
                </ul>
              </strong>
            </div>
          )}
          <form onSubmit={submit} noValidate>
            <ErrorSummary problem={problem} items={errors} known={known} />
            {input("tanggal", t("forum.tanggal"), tanggal, setTanggal, "date", "govuk-input govuk-input--width-10")}
            {input("tempat", t("forum.tempat"), tempat, setTempat)}
            {input("jumlah_peserta", t("forum.peserta"), peserta, setPeserta, "number", "govuk-input govuk-input--width-4")}
            {input("pimpinan", t("forum.pimpinan"), pimpinan, setPimpinan)}
            <Field id={fieldId("catatan")} label={t("forum.catatan")} errors={errs("catatan")}>
              <textarea class="govuk-textarea" id={fieldId("catatan")} rows={3} value={catatan} onInput={(e) => setCatatan(e.currentTarget.value)} />
            </Field>
            <button type="submit" class="govuk-button govuk-button--warning" disabled={busy}>{t("forum.closeSubmit")}</button>
          </form>
        </>
      )}
    </>
  );
}
