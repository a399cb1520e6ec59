/** The sync state of every draft on the device: saved, sending, sent (with its tracking code),
 * refused (the server's reason and what to do), window closed (kept, reported). */
import { useState } from "preact/hooks";
import { reasonOf } from "../../api/problem";
import { sessionState } from "../../auth/session";
import { formatDateTime } from "../../format";
import { t, useLang } from "../../i18n";
import { editable, outbox, type Draft } from "../../offline/outbox";

export function syncLabel(draft: Draft): string {
  if (draft.state === "rejected" || draft.state === "window_closed") {
    return t(`sync.${draft.state}`, { reason: draft.problem ? reasonOf(draft.problem) : "" });
  }
  if (draft.state === "local" && draft.problem?.status === 0) return t("sync.local");
  return t(`sync.${draft.state}`);
}

const TAG: Record<Draft["state"], string> = {
  local: "govuk-tag--grey", sending: "govuk-tag--blue", sent: "govuk-tag--green", rejected: "govuk-tag--red", window_closed: "govuk-tag--orange",
};

export function DraftList({ drafts }: { drafts: Draft[] }) {
  const lang = useLang();
  const [busy, setBusy] = useState(false);
  const [needsSignIn, setNeedsSignIn] = useState(false);
  if (!drafts.length) return <p class="govuk-body">{t("sync.none")}</p>;
  async function sendNow(draft: Draft) {
    setBusy(true);
    if (draft.state === "rejected" || draft.state === "window_closed") await outbox().retry(draft.id);
    const result = await outbox().sync().catch(() => null);
    setNeedsSignIn(Boolean(result?.needsSignIn) || sessionState().status !== "signed-in");
    setBusy(false);
  }
  return (
    <section aria-labelledby="drafts-title">
      <h2 class="govuk-heading-m" id="drafts-title">{t("sync.drafts")}</h2>
      {needsSignIn && <p class="govuk-body"><a class="govuk-link" href="/masuk?next=/usulan">{t("sync.signIn")}</a></p>}
      <ul class="ep-drafts">
        {drafts.map((draft) => {
          const pendingPhotos = draft.photos.filter((p) => !p.uploaded && !p.problem).length;
          return (
            <li class="ep-draft" key={draft.id} data-testid="draft" data-state={draft.state}>
              <strong class={"govuk-tag " + TAG[draft.state]}>{syncLabel(draft)}</strong>
              <p class="govuk-body govuk-!-margin-top-2 govuk-!-margin-bottom-1">{draft.body.gagasan}</p>
              <p class="govuk-body-s govuk-!-margin-bottom-1">{formatDateTime(draft.createdAt, lang)}</p>
              {draft.usulan && (
                <p class="govuk-body">
                  <a class="govuk-link" href={`/usulan/${draft.usulan.id}`}>{t("list.code")}: <span class="ep-code">{draft.usulan.tracking_code}</span></a>
                </p>
              )}
              {pendingPhotos > 0 && <p class="govuk-body-s">{t("sync.photos", { n: pendingPhotos })}</p>}
              {draft.photos.filter((p) => p.problem).map((p) => (
                <p class="govuk-error-message" key={p.key}>{p.name}: {reasonOf(p.problem!)}</p>
              ))}
              {draft.state === "rejected" && <p class="govuk-body-s">{t("sync.rejectedHelp")}</p>}
              {draft.state === "window_closed" && <p class="govuk-body-s">{t("sync.windowHelp")}</p>}
              <div class="govuk-button-group">
                {draft.state !== "sent" && (
                  <button type="button" class="govuk-button govuk-button--secondary" disabled={busy} onClick={() => void sendNow(draft)}>{draft.state === "rejected" || draft.state === "window_closed" ? t("sync.sendAgain") : t("sync.sendNow")}</button>
                )}
                {editable(draft) && <a class="govuk-link" href={`/usulan/baru?draf=${draft.id}`}>{t("sync.edit")}</a>}
                {draft.state !== "sending" && (
                  <button type="button" class="govuk-button govuk-button--warning" onClick={() => {
                    if (draft.state === "sent" || confirm(t("sync.removeConfirm"))) void outbox().remove(draft.id);
                  }}>{t("sync.remove")}</button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
