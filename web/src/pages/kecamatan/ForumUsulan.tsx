/** One usulan at the kecamatan forum: its details (the original volume and cost are kept beside any
 * change), scoring on the cycle's weighted criteria, and the forum's decision: accept, accept with
 * a change of volume, merge into another usulan, or reject; a reason is required except to accept. */
import { useEffect, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import type { Usulan } from "../../api/client";
import { fieldMessages, type Problem } from "../../api/problem";
import { describedBy, ErrorSummary, Field, fieldId, type SummaryItem } from "../../components/ErrorSummary";
import { estimateCost, normalizeVolume } from "../../cost";
import { formatDateTime, formatNumber, formatRupiah } from "../../format";
import { t, useLang } from "../../i18n";
import { criteria as loadCriteria, decide, getUsulan, score, usulanOfKecamatan, type Criteria, type Decision, type UsulanItem } from "./data";
import { Frame, Row, type ForumContext } from "./Frame";

type Status = Decision["status"];
const STATUSES: { value: Status; label: string }[] = [
  { value: "diterima", label: "forum.accept" },
  { value: "diterima dengan perubahan", label: "forum.acceptChange" },
  { value: "digabung", label: "forum.merge" },
  { value: "ditolak", label: "forum.reject" },
];

export default function ForumUsulan() {
  return <Frame>{(forum) => <Decide forum={forum} />}</Frame>;
}

function Decide({ forum }: { forum: ForumContext }) {
  const lang = useLang();
  const { params } = useRoute();
  const { query } = useLocation();
  const id = params.id ?? "";
  const [u, setU] = useState<Usulan | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [crit, setCrit] = useState<Criteria | null>(null);
  const [others, setOthers] = useState<UsulanItem[]>([]);

  const [scores, setScores] = useState<Record<string, string>>({});
  const [scoreErrors, setScoreErrors] = useState<SummaryItem[]>([]);
  const [scoreProblem, setScoreProblem] = useState<Problem | null>(null);
  const [scored, setScored] = useState<string | null>(null);

  const [status, setStatus] = useState<Status | "">(query.gabung ? "digabung" : "");
  const [reason, setReason] = useState("");
  const [volume, setVolume] = useState("");
  const [target, setTarget] = useState(query.gabung ?? "");
  const [errors, setErrors] = useState<SummaryItem[]>([]);
  const [decideProblem, setDecideProblem] = useState<Problem | null>(null);
  const [decided, setDecided] = useState(false);
  const [busy, setBusy] = useState(false);

  function reload() {
    void getUsulan(id).then((r) => {
      if (r.ok) { setU(r.data); setEtag(r.etag ?? null); } else setProblem(r.problem);
    });
  }
  useEffect(reload, [id]);
  useEffect(() => {
    void loadCriteria(forum.tahun).then((r) => r.ok && setCrit(r.data));
    void usulanOfKecamatan(forum.tahun, forum.kecamatan).then((r) => r.ok && setOthers(r.data));
  }, [forum.tahun, forum.kecamatan]);

  async function saveScores(event: Event) {
    event.preventDefault();
    if (!crit) return;
    const found: SummaryItem[] = [];
    const values: Record<string, number> = {};
    for (const c of crit.criteria) {
      const text = (scores[c.name] ?? "").trim();
      const n = Number(text);
      if (!/^[0-9]+$/.test(text) || n > c.max_score) found.push({ field: `score-${c.name}`, message: `${c.name}: ${t("forum.scoreInvalid", { max: c.max_score })}` });
      else values[c.name] = n;
    }
    setScoreErrors(found);
    setScored(null);
    setScoreProblem(null);
    if (found.length) return;
    const r = await score(id, values);
    if (r.ok) setScored(r.data.total); else setScoreProblem(r.problem);
  }

  async function save(event: Event) {
    event.preventDefault();
    if (!u || !etag) return;
    const found: SummaryItem[] = [];
    if (!status) found.push({ field: "status", message: t("forum.decision") });
    const newVolume = normalizeVolume(volume);
    if (status === "diterima dengan perubahan" && newVolume === null) found.push({ field: "revised_volume", message: t("forum.newVolumeInvalid") });
    if (status === "digabung" && !target) found.push({ field: "merge_target_id", message: t("forum.mergeTargetRequired") });
    if (status && status !== "diterima" && !reason.trim()) found.push({ field: "reason", message: t("forum.reasonRequired") });
    setErrors(found);
    setDecideProblem(null);
    if (found.length || !status) return;
    const body: Decision = { level: "kecamatan", status, ...(reason.trim() ? { reason: reason.trim() } : {}),
      ...(status === "diterima dengan perubahan" ? { revised_volume: newVolume! } : {}),
      ...(status === "digabung" ? { merge_target_id: target } : {}) } as Decision;
    setBusy(true);
    const r = await decide(u.id, etag, body);
    setBusy(false);
    if (r.ok) { setU({ ...u, ...r.data }); setEtag(r.etag ?? null); setDecided(true); reload(); } else setDecideProblem(r.problem);
  }

  if (problem) return <ErrorSummary problem={problem} />;
  if (!u) return <p class="govuk-body" role="status">…</p>;
  const decision = u.decisions.find((d) => d.level === "kecamatan");
  const atKecamatan = u.status_per_level.kecamatan;
  const open = atKecamatan === "belum diputuskan";
  const satuan = u.kamus_item.satuan;
  const estimate = status === "diterima dengan perubahan" ? estimateCost(volume, u.kamus_item.harga_satuan) : null;
  const targets = others.filter((o) => o.id !== u.id && o.status === "submitted" && o.status_per_level.desa.startsWith("diterima")
    && !["digabung", "ditolak"].includes(o.status_per_level.kecamatan));
  const known = ["status", "reason", "revised_volume", "merge_target_id"];
  const reasonId = fieldId("reason");
  const volumeId = fieldId("revised_volume");
  const targetId = fieldId("merge_target_id");
  const fieldErrors = (name: string) => [...errors.filter((e) => e.field === name).map((e) => e.message), ...fieldMessages(decideProblem, name)];
  return (
    <>
      <p class="govuk-body ep-noprint"><a class="govuk-back-link" href={forum.link("/kecamatan")}>{t("forum.back")}</a></p>
      <span class="govuk-caption-m">{t("list.code")}: <span class="ep-code" data-testid="forum-code">{u.tracking_code}</span></span>
      <h1 class="govuk-heading-l">{u.gagasan}</h1>
      <dl class="govuk-summary-list">
        <Row k={t("detail.kamus")} v={`${u.kamus_item.nama} (${u.kamus_item.kode})`} />
        <Row k={t("forum.desa")} v={forum.name(u.desa)} />
        <Row k={t("form.permasalahan")} v={u.permasalahan} />
        <Row k={t("forum.volume")} v={`${formatNumber(u.current_volume, lang)} ${satuan}`} />
        <Row k={t("forum.cost")} v={<span data-testid="forum-cost">{formatRupiah(u.current_cost)}</span>} />
        {u.current_volume !== u.volume && <Row k={t("detail.original", { volume: "", cost: "" }).replace(/[:\s()]+$/, "")}
          v={<span data-testid="forum-original">{t("forum.original", { volume: formatNumber(u.volume, lang), satuan, cost: formatRupiah(u.cost) })}</span>} />}
        <Row k={t("forum.status")} v={<strong class="govuk-tag" data-testid="forum-status">{t(`status.${atKecamatan}`)}</strong>} />
        {decision && <Row k={t("forum.reason")} v={`${decision.reason || "—"} (${formatDateTime(decision.at, lang)})`} />}
      </dl>
      {atKecamatan === "tidak diteruskan" && <p class="govuk-body">{t("forum.notForwarded")}</p>}

      {open && crit && (
        <form onSubmit={saveScores} noValidate aria-labelledby="scoring-heading" class="ep-noprint">
          <h2 class="govuk-heading-m" id="scoring-heading">{t("forum.scoring")}</h2>
          <p class="govuk-hint">{t("forum.scoringHint")}</p>
          <ErrorSummary problem={scoreProblem} items={scoreErrors} known={crit.criteria.map((c) => `score-${c.name}`)} />
          <div class="ep-scores">
            {crit.criteria.map((c) => {
              const fid = fieldId(`score-${c.name}`);
              const errs = scoreErrors.filter((e) => e.field === `score-${c.name}`).map((e) => e.message);
              return (
                <Field key={c.name} id={fid} label={t("forum.criterion", { name: c.name, weight: c.weight, max: c.max_score })} errors={errs}>
                  <input class="govuk-input govuk-input--width-3" id={fid} inputMode="numeric" value={scores[c.name] ?? ""}
                    aria-describedby={describedBy(fid, false, errs)} onInput={(e) => setScores({ ...scores, [c.name]: e.currentTarget.value })} />
                </Field>
              );
            })}
          </div>
          <button type="submit" class="govuk-button govuk-button--secondary">{t("forum.saveScore")}</button>
          {scored !== null && <p class="govuk-body" role="status" data-testid="scored">{t("forum.scored", { total: scored })}</p>}
        </form>
      )}

      {decided && decision && (
        <div class="govuk-notification-banner govuk-notification-banner--success" role="status" data-testid="decided">
          <div class="govuk-notification-banner__content">
            <p class="govuk-notification-banner__heading">{t("forum.decided", { status: t(`status.${decision.status}`) })}</p>
          </div>
        </div>
      )}
      {open && (
        <form onSubmit={save} noValidate aria-labelledby="decide-heading" class="ep-noprint">
          <h2 class="govuk-heading-m" id="decide-heading">{t("forum.decide")}</h2>
          <ErrorSummary problem={decideProblem} items={errors} known={known} />
          <div class={"govuk-form-group" + (fieldErrors("status").length ? " govuk-form-group--error" : "")}>
            <fieldset class="govuk-fieldset" id={fieldId("status")}>
              <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{t("forum.decision")}</legend>
              <div class="govuk-radios">
                {STATUSES.map((s) => (
                  <div class="govuk-radios__item" key={s.value}>
                    <input class="govuk-radios__input" id={`status-${s.value.replace(/ /g, "-")}`} type="radio" name="status" value={s.value}
                      checked={status === s.value} onChange={() => setStatus(s.value)} />
                    <label class="govuk-label govuk-radios__label" for={`status-${s.value.replace(/ /g, "-")}`}>{t(s.label)}</label>
                  </div>
                ))}
              </div>
            </fieldset>
          </div>
          {status === "diterima dengan perubahan" && (
            <Field id={volumeId} label={t("forum.newVolume", { satuan })} errors={fieldErrors("revised_volume")}
              hint={t("forum.newVolumeHint", { volume: formatNumber(u.current_volume, lang), satuan, cost: formatRupiah(u.current_cost) })}>
              <input class="govuk-input govuk-input--width-10" id={volumeId} inputMode="decimal" value={volume}
                aria-describedby={describedBy(volumeId, true, fieldErrors("revised_volume"))} onInput={(e) => setVolume(e.currentTarget.value)} />
              {estimate && <p class="govuk-body ep-estimate" aria-live="polite" data-testid="forum-estimate">{t("forum.estimate", { cost: formatRupiah(estimate) })}</p>}
            </Field>
          )}
          {status === "digabung" && (
            <Field id={targetId} label={t("forum.mergeTarget")} errors={fieldErrors("merge_target_id")}>
              <select class="govuk-select" id={targetId} value={target} aria-describedby={describedBy(targetId, false, fieldErrors("merge_target_id"))}
                onChange={(e) => setTarget(e.currentTarget.value)}>
                <option value="">—</option>
                {targets.map((o) => <option key={o.id} value={o.id}>{o.tracking_code} · {o.gagasan}</option>)}
              </select>
            </Field>
          )}
          <Field id={reasonId} label={t("forum.reason")} hint={t("forum.reasonHint")} errors={fieldErrors("reason")}>
            <textarea class="govuk-textarea" id={reasonId} rows={3} maxLength={2000} value={reason}
              aria-describedby={describedBy(reasonId, true, fieldErrors("reason"))} onInput={(e) => setReason(e.currentTarget.value)} />
          </Field>
          <button type="submit" class="govuk-button" disabled={busy}>{t("forum.save")}</button>
        </form>
      )}
      {!open && decision && !decided && <p class="govuk-body">{t("forum.already", { status: t(`status.${decision.status}`) })}</p>}
    </>
  );
}
