/** A new usulan (or a draft changed after a refusal). Everything goes through the outbox: the draft
 * and its Idempotency-Key exist before the first byte is sent, so a lost answer or a reload never
 * makes a second usulan; with no connection it simply waits on the device. */
import { useEffect, useMemo, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import type { KamusItem, UsulanCreate } from "../../api/client";
import { fieldMessages, type Problem } from "../../api/problem";
import { identityOf, sessionState, useSession } from "../../auth/session";
import { describedBy, ErrorSummary, Field, fieldId, type SummaryItem } from "../../components/ErrorSummary";
import { useOnline } from "../../components/Layout";
import { estimateCost, exceedsMaximum, normalizeVolume } from "../../cost";
import { formatNumber, formatRupiah } from "../../format";
import { t, useLang } from "../../i18n";
import { MAX_PHOTOS, outbox, type PhotoInput } from "../../offline/outbox";
import { shrinkPhoto } from "../../offline/photo";
import { loadKamus, loadWilayah, regionName, type Wilayah } from "../../offline/reference";
import { usePlanYear } from "../../planYear";

const FIELDS = ["kamus_item_id", "volume", "permasalahan", "gagasan", "desa", "alamat", "lat", "lon", "pengusul", "lampiran"];

interface Photo { name: string; blob: Blob; url: string }

function searchKamus(items: KamusItem[], query: string): KamusItem[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const found = words.length
    ? items.filter((item) => {
      const text = `${item.kode} ${item.nama} ${item.satuan}`.toLowerCase();
      return words.every((w) => text.includes(w));
    })
    : items;
  return found.slice(0, 30);
}

export default function NewUsulan() {
  const lang = useLang();
  const session = useSession();
  const { route, query } = useLocation();
  const [tahun] = usePlanYear();
  const identity = identityOf(session);
  const online = useOnline();
  const desa = identity?.wilayah ?? "";
  const [kamus, setKamus] = useState<KamusItem[] | null>(null);
  const [kamusProblem, setKamusProblem] = useState<Problem | null>(null);
  const [wilayah, setWilayah] = useState<Wilayah | null>(null);
  const [search, setSearch] = useState("");
  const [item, setItem] = useState<KamusItem | null>(null);
  const [volume, setVolume] = useState("");
  const [permasalahan, setPermasalahan] = useState("");
  const [gagasan, setGagasan] = useState("");
  const [alamat, setAlamat] = useState("");
  const [point, setPoint] = useState<{ lat: string; lon: string } | null>(null);
  const [gpsState, setGpsState] = useState<"idle" | "busy" | "failed">("idle");
  const [pengusul, setPengusul] = useState({ nama: "", telepon: "", nik: "", kelompok: "" });
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [photoError, setPhotoError] = useState<string | null>(null);
  const [local, setLocal] = useState<SummaryItem[]>([]);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [draftId, setDraftId] = useState<string | null>(query.draf ?? null);

  useEffect(() => {
    void loadKamus(tahun).then((r) => {
      if (r.ok) { setKamus(r.data.value); setKamusProblem(null); } else { setKamus([]); setKamusProblem(r.problem); }
    });
    if (identity?.pemda) void loadWilayah(identity.pemda).then((r) => setWilayah(r.ok ? r.data.value : null));
  }, [tahun, identity?.pemda]);

  // a draft to change (after a refusal): its content back into the form
  useEffect(() => {
    if (!query.draf || !kamus) return;
    void outbox().get(query.draf).then((draft) => {
      if (!draft) return;
      const b = draft.body;
      setDraftId(draft.id);
      setItem(kamus.find((k) => k.id === b.kamus_item_id) ?? null);
      setVolume(String(b.volume));
      setPermasalahan(b.permasalahan);
      setGagasan(b.gagasan);
      setAlamat(b.alamat ?? "");
      setPoint(b.lat != null && b.lon != null ? { lat: String(b.lat), lon: String(b.lon) } : null);
      setPengusul({ nama: b.pengusul?.nama ?? "", telepon: b.pengusul?.telepon ?? "", nik: b.pengusul?.nik ?? "", kelompok: b.pengusul?.kelompok ?? "" });
      setPhotos(draft.photos.filter((p) => !p.uploaded).map((p) => {
        const blob = new Blob([p.data], { type: p.type });
        return { name: p.name, blob, url: URL.createObjectURL(blob) };
      }));
      setProblem(draft.problem ?? null);
    });
  }, [query.draf, kamus]);

  const matches = useMemo(() => searchKamus(kamus ?? [], search), [kamus, search]);
  const estimate = item ? estimateCost(volume, item.harga_satuan) : null;
  const overMax = item ? exceedsMaximum(volume, item.volume_maks) : false;

  function useGps() {
    if (!navigator.geolocation) { setGpsState("failed"); return; }
    setGpsState("busy");
    navigator.geolocation.getCurrentPosition(
      (position) => {
        setPoint({ lat: position.coords.latitude.toFixed(6), lon: position.coords.longitude.toFixed(6) });
        setGpsState("idle");
      },
      () => setGpsState("failed"),
      { enableHighAccuracy: true, timeout: 20_000, maximumAge: 60_000 },
    );
  }

  async function addPhotos(files: FileList | null) {
    setPhotoError(null);
    if (!files) return;
    const added: Photo[] = [];
    for (const file of Array.from(files)) {
      if (photos.length + added.length >= MAX_PHOTOS) { setPhotoError(t("form.photoTooMany", { max: MAX_PHOTOS })); break; }
      try {
        const blob = await shrinkPhoto(file);
        added.push({ name: file.name.replace(/\.[^.]+$/, "") + ".jpg", blob, url: URL.createObjectURL(blob) });
      } catch {
        setPhotoError(t("form.photoFailed"));
      }
    }
    setPhotos([...photos, ...added]);
  }

  function validate(): SummaryItem[] {
    const items: SummaryItem[] = [];
    if (!item) items.push({ field: "kamus_item_id", message: t("form.kamusRequired") });
    if (normalizeVolume(volume) === null) items.push({ field: "volume", message: t("form.volumeInvalid") });
    else if (item && overMax) items.push({ field: "volume", message: t("form.volumeMax", { max: formatNumber(item.volume_maks ?? "0", lang), satuan: item.satuan }) });
    if (!permasalahan.trim() || permasalahan.length > 2000) items.push({ field: "permasalahan", message: t("form.permasalahanRequired") });
    if (!gagasan.trim() || gagasan.length > 2000) items.push({ field: "gagasan", message: t("form.gagasanRequired") });
    const anyPengusul = pengusul.telepon.trim() || pengusul.nik.trim() || pengusul.kelompok.trim();
    if (anyPengusul && !pengusul.nama.trim()) items.push({ field: "pengusul.nama", message: t("form.namaRequired") });
    return items;
  }

  function body(): UsulanCreate {
    const p = pengusul;
    return {
      desa, kamus_item_id: item!.id, volume: normalizeVolume(volume)!, permasalahan: permasalahan.trim(), gagasan: gagasan.trim(),
      ...(alamat.trim() ? { alamat: alamat.trim() } : {}),
      ...(point ? { lat: point.lat, lon: point.lon } : {}),
      ...(p.nama.trim() ? {
        pengusul: {
          nama: p.nama.trim(), telepon: p.telepon.trim() || null, nik: p.nik.trim() || null, kelompok: p.kelompok.trim() || null,
        },
      } : {}),
    };
  }

  async function submit(event: Event) {
    event.preventDefault();
    const errors = validate();
    setLocal(errors);
    setProblem(null);
    if (errors.length) return;
    setBusy(true);
    const photoInputs: PhotoInput[] = await Promise.all(photos.map(async (p) => ({ name: p.name, type: "image/jpeg", data: await p.blob.arrayBuffer() })));
    const box = outbox();
    const draft = draftId ? await box.update(draftId, body(), photoInputs) : await box.add(tahun, body(), photoInputs);
    setDraftId(draft.id);
    if (sessionState().status !== "signed-in" || navigator.onLine === false) {
      setBusy(false);
      route("/usulan?tersimpan=1");
      return;
    }
    await box.sync().catch(() => undefined);
    const after = await box.get(draft.id);
    setBusy(false);
    if (after?.state === "sent" && after.usulan) {
      route(`/usulan/${after.usulan.id}?baru=1`);
    } else if (after?.state === "rejected" || after?.state === "window_closed") {
      setProblem(after.problem ?? null);
      window.scrollTo(0, 0);
    } else {
      route("/usulan?tersimpan=1");
    }
  }

  const errorsFor = (field: string) => [
    ...local.filter((i) => i.field === field || i.field?.startsWith(field + ".")).map((i) => i.message),
    ...fieldMessages(problem, field),
  ];
  const input = (field: string) => "govuk-input" + (errorsFor(field).length ? " govuk-input--error" : "");
  const ids = Object.fromEntries([...FIELDS, "pengusul.nama", "pengusul.telepon", "pengusul.nik", "pengusul.kelompok"].map((f) => [f, fieldId(f)]));
  const kamusErrors = errorsFor("kamus_item_id");

  return (
    <div class="govuk-grid-row">
      <div class="govuk-grid-column-two-thirds">
        <ErrorSummary problem={problem} items={local} known={FIELDS} />
        <h1 class="govuk-heading-l">{t("form.title")}</h1>
        <form onSubmit={submit} noValidate>
          <Field id={ids.kamus_item_id!} label={t("form.kamus")} hint={t("form.kamusHint")} errors={kamusErrors}>
            {kamusProblem?.status === 0 && !kamus?.length && <p class="govuk-body">{t("form.kamusOffline")}</p>}
            <input class={input("kamus_item_id")} id={ids.kamus_item_id} type="search" value={search} autoComplete="off"
              aria-describedby={describedBy(ids.kamus_item_id!, true, kamusErrors)} aria-controls="kamus-list"
              onInput={(e) => setSearch(e.currentTarget.value)} />
            <ul class="ep-picker" id="kamus-list" aria-label={t("form.kamusSearch")}>
              {matches.map((k) => (
                <li key={k.id}>
                  <button type="button" aria-pressed={item?.id === k.id} onClick={() => setItem(k)} data-kode={k.kode}>
                    <strong>{k.nama}</strong> <span class="govuk-body-s">({k.kode}; {formatRupiah(k.harga_satuan)}/{k.satuan})</span>
                  </button>
                </li>
              ))}
              {kamus && matches.length === 0 && <li class="govuk-body govuk-!-padding-2">{t("form.kamusNone")}</li>}
            </ul>
            {item && <p class="govuk-body govuk-!-margin-top-2" aria-live="polite"><strong>{item.nama}</strong> · {item.kode}</p>}
          </Field>

          <Field id={ids.volume!} label={t("form.volume", { satuan: item?.satuan ?? "satuan" })} hint={t("form.volumeHint")} errors={errorsFor("volume")}>
            <input class={input("volume") + " govuk-input--width-10"} id={ids.volume} type="text" inputMode="decimal" value={volume}
              aria-describedby={describedBy(ids.volume!, true, errorsFor("volume"))} onInput={(e) => setVolume(e.currentTarget.value)} />
            <div aria-live="polite" data-testid="estimate">
              {item && estimate && (
                <>
                  <p class="govuk-body ep-estimate govuk-!-margin-top-2 govuk-!-margin-bottom-1">{t("form.estimate", { cost: formatRupiah(estimate) })}</p>
                  <p class="govuk-body-s">{t("form.estimateNote", { harga: formatRupiah(item.harga_satuan), satuan: item.satuan })}</p>
                </>
              )}
            </div>
          </Field>

          <Field id={ids.permasalahan!} label={t("form.permasalahan")} hint={t("form.permasalahanHint")} errors={errorsFor("permasalahan")}>
            <textarea class={"govuk-textarea" + (errorsFor("permasalahan").length ? " govuk-textarea--error" : "")} id={ids.permasalahan} rows={4} maxLength={2000}
              value={permasalahan} aria-describedby={describedBy(ids.permasalahan!, true, errorsFor("permasalahan"))} onInput={(e) => setPermasalahan(e.currentTarget.value)} />
          </Field>
          <Field id={ids.gagasan!} label={t("form.gagasan")} hint={t("form.gagasanHint")} errors={errorsFor("gagasan")}>
            <textarea class={"govuk-textarea" + (errorsFor("gagasan").length ? " govuk-textarea--error" : "")} id={ids.gagasan} rows={4} maxLength={2000}
              value={gagasan} aria-describedby={describedBy(ids.gagasan!, true, errorsFor("gagasan"))} onInput={(e) => setGagasan(e.currentTarget.value)} />
          </Field>

          <fieldset class="govuk-fieldset">
            <legend class="govuk-fieldset__legend govuk-fieldset__legend--m">{t("form.location")}</legend>
            <dl class="govuk-summary-list">
              <div class="govuk-summary-list__row">
                <dt class="govuk-summary-list__key">{t("form.desa")}</dt>
                <dd class="govuk-summary-list__value" id={ids.desa}>{regionName(wilayah, desa)} <span class="govuk-body-s">({desa})</span></dd>
              </div>
            </dl>
            {fieldMessages(problem, "desa").map((m) => <p class="govuk-error-message" key={m}>{m}</p>)}
            <Field id={ids.alamat!} label={t("form.alamat")} errors={errorsFor("alamat")}>
              <input class={input("alamat")} id={ids.alamat} type="text" maxLength={500} value={alamat} onInput={(e) => setAlamat(e.currentTarget.value)} />
            </Field>
            <div class={"govuk-form-group" + (errorsFor("lat").length || errorsFor("lon").length ? " govuk-form-group--error" : "")} id={ids.lat}>
              {[...errorsFor("lat"), ...errorsFor("lon")].map((m) => <p class="govuk-error-message" key={m}>{m}</p>)}
              {point ? (
                <p class="govuk-body">
                  {t("form.gpsSet", { lat: point.lat, lon: point.lon })}{" "}
                  <button type="button" class="govuk-button govuk-button--secondary" onClick={() => setPoint(null)}>{t("form.gpsClear")}</button>
                </p>
              ) : (
                <button type="button" class="govuk-button govuk-button--secondary" disabled={gpsState === "busy"} onClick={useGps}>
                  {gpsState === "busy" ? t("form.gpsBusy") : t("form.gps")}
                </button>
              )}
              {gpsState === "failed" && <p class="govuk-body-s" role="status">{t("form.gpsFailed")}</p>}
            </div>
          </fieldset>

          <fieldset class="govuk-fieldset" aria-describedby="pengusul-hint">
            <legend class="govuk-fieldset__legend govuk-fieldset__legend--m">{t("form.pengusul")}</legend>
            <div class="govuk-hint" id="pengusul-hint">{t("form.pengusulHint")}</div>
            {(["nama", "telepon", "nik", "kelompok"] as const).map((name) => {
              const field = `pengusul.${name}`;
              const errors = errorsFor(field);
              return (
                <Field id={ids[field]!} label={t(`form.${name}`)} errors={errors} key={name}>
                  <input class={input(field)} id={ids[field]} type={name === "telepon" ? "tel" : "text"}
                    inputMode={name === "nik" ? "numeric" : undefined} autoComplete="off" value={pengusul[name]}
                    maxLength={name === "telepon" ? 30 : name === "nik" ? 32 : 200}
                    aria-describedby={describedBy(ids[field]!, false, errors)}
                    onInput={(e) => setPengusul({ ...pengusul, [name]: e.currentTarget.value })} />
                </Field>
              );
            })}
          </fieldset>

          <Field id={ids.lampiran!} label={t("form.photos")} hint={t("form.photosHint", { max: MAX_PHOTOS })} errors={[...(photoError ? [photoError] : []), ...errorsFor("lampiran")]}>
            <input class="govuk-file-upload" id={ids.lampiran} type="file" accept="image/jpeg,image/png,image/webp" capture="environment" multiple
              onChange={(e) => void addPhotos(e.currentTarget.files)} />
            {photos.length > 0 && (
              <ul class="ep-photos">
                {photos.map((p, i) => (
                  <li key={p.url}>
                    <img src={p.url} alt={p.name} />
                    <button type="button" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0"
                      onClick={() => setPhotos(photos.filter((_, j) => j !== i))}>{t("form.photoRemove", { n: i + 1 })}</button>
                  </li>
                ))}
              </ul>
            )}
          </Field>

          <button type="submit" class="govuk-button" disabled={busy}>
            {busy ? t("form.sending") : !online || session.status !== "signed-in" ? t("form.saveOffline") : t("form.submit")}
          </button>
        </form>
      </div>
    </div>
  );
}
