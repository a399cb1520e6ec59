/** The citizen section's frame: which pemda and year, and the links between its pages. */
import type { ComponentChildren } from "preact";
import { useLocation } from "preact-iso";
import { t } from "../../i18n";
import "../../i18n/publik";
import "../../styles/forum-publik.scss";

export const PAGES = [
  { slug: "rkpd", label: "publik.rkpd" },
  { slug: "pokir", label: "publik.pokir" },
  { slug: "data", label: "publik.data" },
  { slug: "grafik", label: "publik.charts" },
] as const;

export const PEMDA_CODE = /^[0-9]{2}\.[0-9]{2}$/;

/** The pemda and year of /publik/:pemda/:tahun/..., checked; null when the address is not one. */
export function cycleOf(params: Record<string, string | undefined>): { pemda: string; tahun: number } | null {
  const pemda = params.pemda ?? "";
  const tahun = Number(params.tahun);
  if (!PEMDA_CODE.test(pemda) || !Number.isInteger(tahun) || tahun < 2000 || tahun > 2100) return null;
  return { pemda, tahun };
}

export function Section({ pemda, tahun, children }: { pemda: string; tahun: number; children: ComponentChildren }) {
  const { path } = useLocation();
  return (
    <>
      <nav class="ep-subnav ep-noprint" aria-label={t("publik.sections")}>
        <ul class="ep-subnav__list">
          {PAGES.map((p) => {
            const href = `/publik/${pemda}/${tahun}/${p.slug}`;
            const current = path === href;
            return (
              <li key={p.slug} class="ep-subnav__item">
                <a class={"govuk-link ep-subnav__link" + (current ? " ep-subnav__link--current" : "")} href={href}
                  aria-current={current ? "page" : undefined}>{t(p.label)}</a>
              </li>
            );
          })}
        </ul>
      </nav>
      {children}
    </>
  );
}

export function NotPublished({ pemda, tahun, slug }: { pemda: string; tahun: number; slug: string }) {
  return (
    <div class="govuk-inset-text" data-testid="not-published">
      <p class="govuk-body">{t("publik.notPublished", { tahun })}</p>
      <a class="govuk-link" href={`/publik/${pemda}/${tahun - 1}/${slug}`}>{t("publik.tryYear", { tahun: tahun - 1 })}</a>
    </div>
  );
}
