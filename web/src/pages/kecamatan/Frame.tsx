/** The kecamatan forum's frame: which kecamatan and year (Bappeda chooses the kecamatan), the links
 * between the forum's parts, and the region names. */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { useSession } from "../../auth/session";
import { t, useLang } from "../../i18n";
import "../../i18n/publik";
import { loadWilayah, regionName, type Wilayah } from "../../offline/reference";
import { usePlanYear } from "../../planYear";
import "../../styles/forum-publik.scss";
import { forumKecamatan } from "./data";

export const PARTS = [
  { href: "/kecamatan", label: "forum.tabs.usulan" },
  { href: "/kecamatan/peringkat", label: "forum.tabs.peringkat" },
  { href: "/kecamatan/duplikat", label: "forum.tabs.duplikat" },
  { href: "/kecamatan/tutup", label: "forum.tabs.tutup" },
  { href: "/kecamatan/berita-acara", label: "forum.tabs.ba" },
] as const;

export interface ForumContext {
  tahun: number;
  kecamatan: string;
  wilayah: Wilayah | null;
  name: (kode: string) => string;
  /** `path` with the chosen kecamatan kept (Bappeda) */
  link: (path: string) => string;
}

/** Renders `children(context)` once the kecamatan is known; Bappeda first picks one. */
export function Frame({ children }: { children: (forum: ForumContext) => ComponentChildren }) {
  useLang();
  const session = useSession();
  const { path, query, route } = useLocation();
  const [tahun] = usePlanYear();
  const [wilayah, setWilayah] = useState<Wilayah | null>(null);
  const identity = session.status === "signed-in" ? session.identity : null;
  useEffect(() => {
    if (identity) void loadWilayah(identity.pemda).then((r) => setWilayah(r.ok ? r.data.value : null));
  }, [identity?.pemda]);
  if (!identity) return null;
  const kecamatan = forumKecamatan(identity, query.kecamatan);
  const keep = identity.role === "bappeda" && kecamatan ? `?kecamatan=${kecamatan}` : "";
  const context: ForumContext | null = kecamatan ? {
    tahun, kecamatan, wilayah, name: (kode) => regionName(wilayah, kode),
    link: (p) => p + (p.includes("?") ? keep.replace("?", "&") : keep),
  } : null;
  return (
    <>
      <span class="govuk-caption-l govuk-!-margin-bottom-3 ep-noprint">{t("forum.title", { nama: kecamatan ? regionName(wilayah, kecamatan) : "", tahun })}</span>
      {identity.role === "bappeda" && (
        <form class="ep-noprint" onSubmit={(e) => {
          e.preventDefault();
          const value = (e.currentTarget.elements.namedItem("kecamatan") as HTMLSelectElement).value;
          route(`${path}?kecamatan=${value}`);
        }}>
          <div class="govuk-form-group">
            <label class="govuk-label" for="f-kecamatan">{t("forum.choose")}</label>
            <div class="govuk-hint" id="f-kecamatan-hint">{t("forum.chooseHint")}</div>
            <select class="govuk-select" id="f-kecamatan" name="kecamatan" aria-describedby="f-kecamatan-hint" value={kecamatan ?? ""}>
              {(wilayah?.kecamatan ?? []).map((k) => <option key={k.kode} value={k.kode}>{k.nama}</option>)}
            </select>
          </div>
          <button type="submit" class="govuk-button govuk-button--secondary">{t("publik.open")}</button>
        </form>
      )}
      {context && (
        <>
          <nav class="ep-subnav ep-noprint" aria-label={t("publik.sections")}>
            <ul class="ep-subnav__list">
              {PARTS.map((p) => {
                const current = path === p.href;
                return (
                  <li key={p.href} class="ep-subnav__item">
                    <a class={"govuk-link ep-subnav__link" + (current ? " ep-subnav__link--current" : "")} href={context.link(p.href)}
                      aria-current={current ? "page" : undefined}>{t(p.label)}</a>
                  </li>
                );
              })}
            </ul>
          </nav>
          {children(context)}
        </>
      )}
    </>
  );
}

export function Row({ k, v }: { k: string; v: ComponentChildren }) {
  return (
    <div class="govuk-summary-list__row">
      <dt class="govuk-summary-list__key">{k}</dt>
      <dd class="govuk-summary-list__value">{v}</dd>
    </div>
  );
}
