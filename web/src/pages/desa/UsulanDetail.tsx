/** One usulan of the desa: every level's status with the reason of each decision, the OPDs'
 * follow-up, the tracking code, the receipt, and withdrawing it while that is still allowed. */
import { useEffect, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { api, newIdempotencyKey, type Usulan } from "../../api/client";
import { fieldMessages, problemFromResponse, type Problem } from "../../api/problem";
import { describedBy, ErrorSummary, Field, fieldId } from "../../components/ErrorSummary";
import { formatDateTime, formatNumber, formatRupiah } from "../../format";
import { t, useLang } from "../../i18n";
import { loadWilayah, regionName, type Wilayah } from "../../offline/reference";
import { loadSchedule } from "../../offline/reference";
import { useSession } from "../../auth/session";
import { Receipt } from "./Receipt";

const LEVELS = ["desa", "kecamatan", "kabupaten"] as const;

/** Withdrawing is offered while nothing beyond the desa has decided and the desa window is open
 * (the service decides; a refusal is shown with its reason). */
export function canWithdraw(u: Usulan, desaClosesAt: string | null, now: Date = new Date()): boolean {
  if (u.status === "withdrawn") return false;
  if (u.status_per_level.kecamatan !== "tidak diteruskan" && u.status_per_level.kecamatan !== "belum diputuskan") return false;
  return desaClosesAt === null || now < new Date(desaClosesAt);
}

export default function UsulanDetail() {
  const lang = useLang();
  const session = useSession();
  const { params } = useRoute();
  const { query } = useLocation();
  const id = params.id ?? "";
  const [usulan, setUsulan] = useState<Usulan | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [wilayah, setWilayah] = useState<Wilayah | null>(null);
  const [closesAt, setClosesAt] = useState<string | null>(null);
  const [withdrawing, setWithdrawing] = useState(false);
  const [reason, setReason] = useState("");
  const [withdrawProblem, setWithdrawProblem] = useState<Problem | null>(null);
  const [withdrawKey] = useState(newIdempotencyKey);
  const [busy, setBusy] = useState(false);
  const showReceipt = query.bukti === "1";

  useEffect(() => {
    void api.GET("/v1/musrenbang/usulan/{usulan_id}", { params: { path: { usulan_id: id } } })
      .then(async (r) => { if (r.data) setUsulan(r.data); else setProblem(await problemFromResponse(r.response)); })
      .catch(() => setProblem({ status: 0, title: "", detail: "", errors: [] }));
  }, [id]);
  useEffect(() => {
    if (!usulan) return;
    void loadWilayah(usulan.pemda).then((r) => setWilayah(r.ok ? r.data.value : null));
    void loadSchedule(usulan.tahun).then((r) => setClosesAt(r.ok ? r.data.value.windows.find((w) => w.level === "desa")?.closes_at ?? null : null));
  }, [usulan?.id]);

  async function withdraw(event: Event) {
    event.preventDefault();
    setBusy(true);
    setWithdrawProblem(null);
    try {
      const r = await api.POST("/v1/musrenbang/usulan/{usulan_id}/withdraw", {
        params: { path: { usulan_id: id }, header: { "Idempotency-Key": withdrawKey } },
        body: { reason: reason.trim() || null },
      });
      if (r.data) { setUsulan({ ...usulan!, ...r.data }); setWithdrawing(false); } else setWithdrawProblem(await problemFromResponse(r.response));
    } catch {
      setWithdrawProblem({ status: 0, title: "", detail: "", errors: [] });
    }
    setBusy(false);
  }

  if (problem) return <ErrorSummary problem={problem} />;
  if (!usulan) return <p class="govuk-body" role="status">…</p>;
  if (showReceipt) return <Receipt usulan={usulan} desaName={regionName(wilayah, usulan.desa)} />;
  const u = usulan;
  const isAuthor = session.status === "signed-in" && session.identity.role === "operator_desa";
  const reasonId = fieldId("reason");
  const reasonErrors = fieldMessages(withdrawProblem, "reason");
  return (
    <>
      {query.baru && (
        <div class="govuk-panel govuk-panel--confirmation">
          <h1 class="govuk-panel__title">{t("sync.sent")}</h1>
          <div class="govuk-panel__body">{t("list.code")}<br /><strong class="ep-receipt__code" data-testid="tracking-code">{u.tracking_code}</strong></div>
        </div>
      )}
      {!query.baru && <span class="govuk-caption-l">{t("list.code")}: <span class="ep-code" data-testid="tracking-code">{u.tracking_code}</span></span>}
      <h1 class="govuk-heading-l">{u.kamus_item.nama}</h1>
      <dl class="govuk-summary-list">
        <Row k={t("detail.kamus")} v={`${u.kamus_item.nama} (${u.kamus_item.kode})`} />
        <Row k={t("detail.volume")} v={`${formatNumber(u.current_volume, lang)} ${u.kamus_item.satuan}`} />
        <Row k={t("detail.cost")} v={formatRupiah(u.current_cost)} />
        {u.current_volume !== u.volume && <Row k="" v={t("detail.original", { volume: formatNumber(u.volume, lang), cost: formatRupiah(u.cost) })} />}
        <Row k={t("form.permasalahan")} v={u.permasalahan} />
        <Row k={t("form.gagasan")} v={u.gagasan} />
        <Row k={t("detail.location")} v={[regionName(wilayah, u.desa), u.alamat, u.lat && u.lon ? `${u.lat}, ${u.lon}` : null].filter(Boolean).join(" · ")} />
        {u.pengusul && <Row k={t("detail.pengusul")} v={[u.pengusul.nama, u.pengusul.kelompok, u.pengusul.telepon, u.pengusul.nik].filter(Boolean).join(" · ")} />}
        <Row k={t("receipt.submittedAt")} v={u.submitted_at ? formatDateTime(u.submitted_at, lang) : t("status.draft")} />
      </dl>

      <h2 class="govuk-heading-m">{t("detail.levels")}</h2>
      <div class="ep-scroll" tabIndex={0} role="region" aria-label={t("detail.levels")}><table class="govuk-table" data-testid="levels">
        <thead class="govuk-table__head"><tr class="govuk-table__row">
          <th scope="col" class="govuk-table__header">{t("detail.level")}</th>
          <th scope="col" class="govuk-table__header">{t("list.status")}</th>
          <th scope="col" class="govuk-table__header">{t("detail.reason")}</th>
        </tr></thead>
        <tbody class="govuk-table__body">
          {LEVELS.map((level) => {
            const decision = u.decisions.find((d) => d.level === level);
            return (
              <tr class="govuk-table__row" key={level}>
                <th scope="row" class="govuk-table__header">{t(`level.${level}`)}</th>
                <td class="govuk-table__cell"><strong class="govuk-tag">{t(`status.${u.status_per_level[level]}`)}</strong></td>
                <td class="govuk-table__cell">
                  {decision?.reason || t("detail.noReason")}
                  {decision && <span class="govuk-body-s"><br />{formatDateTime(decision.at, lang)}</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table></div>
      {u.status === "withdrawn" && (
        <p class="govuk-body">{t("detail.withdrawn", { at: u.withdrawn_at ? formatDateTime(u.withdrawn_at, lang) : "", reason: u.withdraw_reason || t("detail.noReason") })}</p>
      )}
      {u.merged_into && <p class="govuk-body">{t("detail.mergedInto")}</p>}
      {u.tindak_lanjut.length > 0 && (
        <>
          <h2 class="govuk-heading-m">{t("detail.tindakLanjut")}</h2>
          <ul class="govuk-list">
            {u.tindak_lanjut.map((tl, i) => (
              <li key={i}>{tl.opd}: <strong>{tl.decision}</strong> — {tl.reason} ({formatDateTime(tl.decided_at, lang)})</li>
            ))}
          </ul>
        </>
      )}

      <div class="govuk-button-group ep-noprint">
        <a class="govuk-button" href={`/usulan/${u.id}?bukti=1`}>{t("detail.receipt")}</a>
        {isAuthor && canWithdraw(u, closesAt) && !withdrawing && (
          <button type="button" class="govuk-button govuk-button--warning" onClick={() => setWithdrawing(true)}>{t("detail.withdraw")}</button>
        )}
      </div>
      {withdrawing && (
        <form onSubmit={withdraw} noValidate class="ep-noprint">
          <ErrorSummary problem={withdrawProblem} known={["reason"]} />
          <Field id={reasonId} label={t("detail.withdrawReason")} hint={t("detail.withdrawHint")} errors={reasonErrors}>
            <textarea class="govuk-textarea" id={reasonId} rows={3} maxLength={2000} value={reason}
              aria-describedby={describedBy(reasonId, true, reasonErrors)} onInput={(e) => setReason(e.currentTarget.value)} />
          </Field>
          {withdrawProblem?.status === 409 && <p class="govuk-body">{t("detail.withdrawClosed")}</p>}
          <button type="submit" class="govuk-button govuk-button--warning" disabled={busy}>{t("detail.withdrawConfirm")}</button>
        </form>
      )}
    </>
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
