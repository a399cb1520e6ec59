/** "Bukti usulan": a printable receipt with the tracking code and a QR code to the public tracking
 * page /lacak/<code>. The QR library is loaded only here (not on the home page's first load) and
 * draws an SVG (no inline style, no canvas needed for printing). */
import { useEffect, useState } from "preact/hooks";
import type { Usulan } from "../../api/client";
import { formatDateTime, formatNumber, formatRupiah } from "../../format";
import { t, useLang } from "../../i18n";

export function trackingUrl(code: string, origin: string = globalThis.location?.origin ?? ""): string {
  return `${origin}/lacak/${encodeURIComponent(code)}`;
}

export function Receipt({ usulan, desaName }: { usulan: Usulan; desaName: string }) {
  const lang = useLang();
  const [svg, setSvg] = useState<string | null>(null);
  const url = trackingUrl(usulan.tracking_code);
  useEffect(() => {
    void import("qrcode").then((qr) => qr.toString(url, { type: "svg", errorCorrectionLevel: "M", margin: 1 })).then(setSvg);
  }, [url]);
  return (
    <section class="ep-receipt" aria-labelledby="receipt-title">
      <h1 class="govuk-heading-l" id="receipt-title">{t("receipt.title")}</h1>
      <p class="govuk-body">{t("receipt.intro")}</p>
      <p class="govuk-body govuk-!-margin-bottom-1">{t("receipt.code")}</p>
      <p class="ep-receipt__code" data-testid="receipt-code">{usulan.tracking_code}</p>
      {svg && <div class="ep-qr" role="img" aria-label={t("receipt.qr", { code: usulan.tracking_code })} dangerouslySetInnerHTML={{ __html: svg }} />}
      <p class="govuk-body ep-wrap">{t("receipt.trackAt", { url })}</p>
      <dl class="govuk-summary-list">
        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{t("detail.kamus")}</dt><dd class="govuk-summary-list__value">{usulan.kamus_item.nama}</dd></div>
        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{t("form.desa")}</dt><dd class="govuk-summary-list__value">{desaName}</dd></div>
        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{t("detail.volume")}</dt><dd class="govuk-summary-list__value">{formatNumber(usulan.volume, lang)} {usulan.kamus_item.satuan}</dd></div>
        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{t("detail.cost")}</dt><dd class="govuk-summary-list__value">{formatRupiah(usulan.cost)}</dd></div>
        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{t("form.gagasan")}</dt><dd class="govuk-summary-list__value">{usulan.gagasan}</dd></div>
        <div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{t("receipt.submittedAt")}</dt><dd class="govuk-summary-list__value">{formatDateTime(usulan.submitted_at ?? usulan.created_at, lang)}</dd></div>
      </dl>
      <button type="button" class="govuk-button ep-noprint" onClick={() => print()}>{t("receipt.print")}</button>
    </section>
  );
}
