/** The citizens' entry: choose the regency/city and the plan year, then the RKPD, the pokir
 * register, open data or the charts. */
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { ErrorSummary, Field, describedBy, fieldId, type SummaryItem } from "../../components/ErrorSummary";
import { currentPlanYear } from "../../format";
import { t, useLang } from "../../i18n";
import "../../i18n/publik";
import "../../styles/forum-publik.scss";
import { DEFAULT_PEMDA } from "./data";
import { PAGES, PEMDA_CODE } from "./Section";

export default function Hub() {
  useLang();
  const { route } = useLocation();
  const [pemda, setPemda] = useState(DEFAULT_PEMDA);
  // the newest RKPD that can be published is the one of the current plan year; last year's is
  // the one usually published
  const [tahun, setTahun] = useState(String(currentPlanYear() - 1));
  const [errors, setErrors] = useState<SummaryItem[]>([]);

  function submit(event: Event) {
    event.preventDefault();
    const found: SummaryItem[] = [];
    if (!PEMDA_CODE.test(pemda.trim())) found.push({ field: "pemda", message: t("publik.pemdaInvalid") });
    if (!/^[0-9]{4}$/.test(tahun.trim())) found.push({ field: "tahun", message: t("publik.yearInvalid") });
    setErrors(found);
    if (!found.length) route(`/publik/${pemda.trim()}/${tahun.trim()}/rkpd`);
  }

  const pemdaId = fieldId("pemda");
  const tahunId = fieldId("tahun");
  const pemdaErrors = errors.filter((e) => e.field === "pemda").map((e) => e.message);
  const tahunErrors = errors.filter((e) => e.field === "tahun").map((e) => e.message);
  return (
    <>
      <h1 class="govuk-heading-l">{t("publik.title")}</h1>
      <p class="govuk-body">{t("publik.intro")}</p>
      <form onSubmit={submit} noValidate>
        <ErrorSummary items={errors} />
        <Field id={pemdaId} label={t("publik.pemda")} hint={t("publik.pemdaHint")} errors={pemdaErrors}>
          <input class="govuk-input govuk-input--width-5" id={pemdaId} value={pemda} inputMode="decimal"
            aria-describedby={describedBy(pemdaId, true, pemdaErrors)} onInput={(e) => setPemda(e.currentTarget.value)} />
        </Field>
        <Field id={tahunId} label={t("publik.year")} errors={tahunErrors}>
          <input class="govuk-input govuk-input--width-4" id={tahunId} value={tahun} inputMode="numeric"
            aria-describedby={describedBy(tahunId, false, tahunErrors)} onInput={(e) => setTahun(e.currentTarget.value)} />
        </Field>
        <button type="submit" class="govuk-button">{t("publik.open")}</button>
      </form>
      <h2 class="govuk-heading-m">{t("publik.sections")}</h2>
      <ul class="govuk-list">
        {PAGES.map((p) => (
          <li key={p.slug}><a class="govuk-link" href={`/publik/${DEFAULT_PEMDA}/${currentPlanYear() - 1}/${p.slug}`}>
            {t(p.label)} — {t("publik.of", { pemda: DEFAULT_PEMDA, tahun: currentPlanYear() - 1 })}</a></li>
        ))}
      </ul>
    </>
  );
}
