/** Citizens track an usulan by its code (also reached from the receipt's QR code): every level's
 * decision and reason, the agencies' follow-up and where it ended. No login, no personal data (the
 * public API carries none). */
import { useEffect, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { ErrorSummary, Field, describedBy, fieldId } from "../../components/ErrorSummary";
import { formatDateTime, formatNumber, formatRupiah } from "../../format";
import { t, useLang } from "../../i18n";
import "../../i18n/publik";
import "../../styles/forum-publik.scss";
import type { Problem } from "../../api/problem";
import { DEFAULT_PEMDA, normalizeCode, opdNames, trackUsulan, type Tracked } from "./data";

const LEVELS = ["desa", "kecamatan", "kabupaten"] as const;
const CODE = /^[2-9A-HJ-NP-Z]{8}$/;

/** Where the usulan ended, in words (the last follow-up decides; else a stopping Musrenbang decision). */
export function outcome(u: Tracked, opdName: (kode: string) => string): { text: string; done: boolean } {
  if (u.status === "withdrawn") return { text: t("track.endWithdrawn"), done: true };
  const last = u.tindak_lanjut[u.tindak_lanjut.length - 1];
  if (last?.decision === "diakomodasi") return { text: t("track.endAccommodated", { opd: opdName(last.opd), tahun: u.tahun }), done: true };
  if (last?.decision === "ditolak") return { text: t("track.endRejected", { opd: opdName(last.opd), reason: last.reason || t("track.noReason") }), done: true };
  const stop = u.decisions.find((d) => d.status === "ditolak" || d.status === "digabung");
  if (stop) return { text: t("track.endMusrenbang", { level: t(`level.${stop.level}`), status: t(`status.${stop.status}`) }), done: true };
  return { text: t("track.endPending"), done: false };
}

export default function Track() {
  const lang = useLang();
  const { params } = useRoute();
  const { route } = useLocation();
  const code = normalizeCode(params.code ?? "");
  const [input, setInput] = useState(code);
  const [inputError, setInputError] = useState<string | null>(null);
  const [found, setFound] = useState<Tracked | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [names, setNames] = useState<Map<string, string>>(new Map());

  useEffect(() => {
    setFound(null);
    setProblem(null);
    setInput(code);
    if (!code) return;
    void trackUsulan(code).then((r) => (r.ok ? setFound(r.data) : setProblem(r.problem)));
  }, [code]);
  useEffect(() => {
    if (found && found.tindak_lanjut.length) void opdNames(DEFAULT_PEMDA, found.tahun).then(setNames);
  }, [found?.tracking_code]);

  function submit(event: Event) {
    event.preventDefault();
    const next = normalizeCode(input);
    if (!CODE.test(next)) {
      setInputError(t("track.codeRequired"));
      return;
    }
    setInputError(null);
    route(`/lacak/${next}`);
  }

  const inputId = fieldId("code");
  const errors = inputError ? [inputError] : [];
  const opdName = (kode: string) => names.get(kode) ?? kode;
  return (
    <>
      <h1 class="govuk-heading-l">{t("track.title")}</h1>
      <form onSubmit={submit} noValidate class="ep-noprint" role="search">
        <ErrorSummary items={inputError ? [{ field: "code", message: inputError }] : []} />
        <Field id={inputId} label={t("track.code")} hint={t("track.codeHint")} errors={errors}>
          <input class={"govuk-input govuk-input--width-10" + (errors.length ? " govuk-input--error" : "")} id={inputId} name="code"
            autocomplete="off" autocapitalize="characters" spellcheck={false} value={input}
            aria-describedby={describedBy(inputId, true, errors)} onInput={(e) => setInput(e.currentTarget.value)} />
        </Field>
        <button type="submit" class="govuk-button">{t("track.submit")}</button>
      </form>
      {!code && <p class="govuk-body">{t("track.intro")}</p>}
      {problem && (problem.status === 404
        ? <div class="govuk-error-summary" role="alert"><p class="govuk-body govuk-!-margin-0">{t("track.notFound", { code })}</p></div>
        : <ErrorSummary problem={problem} />)}
      {code && !found && !problem && <p class="govuk-body" role="status">…</p>}
      {found && <TrackedView u={found} lang={lang} opdName={opdName} />}
    </>
  );
}

function TrackedView({ u, lang, opdName }: { u: Tracked; lang: "id" | "en"; opdName: (k: string) => string }) {
  const end = outcome(u, opdName);
  const changed = u.volume !== u.volume_awal;
  return (
    <section aria-labelledby="tracked-heading" data-testid="tracked">
      <h2 class="govuk-heading-m" id="tracked-heading">{t("track.heading", { code: u.tracking_code })}</h2>
      <div class="govuk-inset-text" data-testid="outcome">
        <strong>{t("track.ended")}:</strong> {end.text}
      </div>
      <dl class="govuk-summary-list">
        <Row k={t("track.item")} v={u.item} />
        <Row k={t("track.where")} v={`${u.desa}, ${u.kecamatan}`} />
        <Row k={t("track.year")} v={String(u.tahun)} />
        <Row k={t("track.volume")} v={`${formatNumber(u.volume, lang)} ${u.satuan}` + (changed ? ` (${t("track.original", { volume: formatNumber(u.volume_awal, lang), satuan: u.satuan, cost: formatRupiah(u.cost_awal) })})` : "")} />
        <Row k={t("track.cost")} v={formatRupiah(u.cost)} />
        <Row k={t("list.status")} v={u.status_label} />
      </dl>
      <h3 class="govuk-heading-s">{t("track.levels")}</h3>
      <div class="ep-scroll" tabIndex={0} role="region" aria-label={t("track.levels")}><table class="govuk-table ep-table-s" data-testid="track-levels">
        <thead class="govuk-table__head"><tr class="govuk-table__row">
          <th scope="col" class="govuk-table__header">{t("track.level")}</th>
          <th scope="col" class="govuk-table__header">{t("track.decision")}</th>
          <th scope="col" class="govuk-table__header">{t("track.reason")}</th>
        </tr></thead>
        <tbody class="govuk-table__body">
          {LEVELS.map((level) => {
            const d = u.decisions.find((x) => x.level === level);
            return (
              <tr class="govuk-table__row" key={level}>
                <th scope="row" class="govuk-table__header">{t(`level.${level}`)}</th>
                <td class="govuk-table__cell">{d ? t(`status.${d.status}`, { defaultValue: d.status }) : t("track.notDecided")}
                  {d && d.volume !== u.volume_awal && <span class="govuk-body-s"><br />{formatNumber(d.volume, lang)} {u.satuan} · {formatRupiah(d.cost)}</span>}
                </td>
                <td class="govuk-table__cell">{d?.reason || t("track.noReason")}</td>
              </tr>
            );
          })}
        </tbody>
      </table></div>
      <h3 class="govuk-heading-s">{t("track.followUp")}</h3>
      {u.tindak_lanjut.length === 0 ? <p class="govuk-body">{t("track.noFollowUp")}</p> : (
        <ol class="govuk-list govuk-list--number" data-testid="track-follow-up">
          {u.tindak_lanjut.map((f, i) => (
            <li key={i}>
              <strong>{opdName(f.opd)}</strong>: {t(`track.opdDecision.${f.decision}`)}
              {f.rerouted_to && <> ({t("track.rerouted", { opd: opdName(f.rerouted_to) })})</>}
              {f.cost && <> · {formatRupiah(f.cost)}</>}
              <br /><span class="govuk-body-s">{f.reason || t("track.noReason")} · {formatDateTime(f.decided_at, lang)}</span>
            </li>
          ))}
        </ol>
      )}
      <p class="govuk-body"><a class="govuk-link" href={`/publik/${DEFAULT_PEMDA}/${u.tahun}/rkpd`}>{t("track.seeRkpd", { tahun: u.tahun })}</a></p>
      <p class="govuk-body-s">{t("track.privacy")}</p>
    </section>
  );
}

function Row({ k, v }: { k: string; v: string }) {
  return (
    <div class="govuk-summary-list__row">
      <dt class="govuk-summary-list__key">{k}</dt>
      <dd class="govuk-summary-list__value">{v}</dd>
    </div>
  );
}
