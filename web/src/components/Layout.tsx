/** The app shell: skip link, header with the service name, navigation by role, language switch,
 * the offline notice, and the main area. */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { setLang, t, useLang } from "../i18n";
import { identityOf, signOut, useSession } from "../auth/session";
import { loadWilayah, regionName, type Wilayah } from "../offline/reference";

export interface NavItem { href: string; label: string }

export function navFor(role: string | null): NavItem[] {
  const items: NavItem[] = [];
  if (role === "operator_desa") {
    items.push({ href: "/", label: t("nav.home") }, { href: "/usulan/baru", label: t("nav.newUsulan") },
      { href: "/usulan", label: t("nav.myUsulan") });
  } else if (role === "operator_kecamatan" || role === "bappeda") {
    items.push({ href: "/", label: t("nav.home") }, { href: "/kecamatan", label: t("nav.forum") });
  } else if (role) {
    items.push({ href: "/", label: t("nav.home") });
  }
  items.push({ href: "/lacak", label: t("nav.track") }, { href: "/publik", label: t("nav.publik") });
  return items;
}

/** The navigation item a path belongs to: the longest href that is the path or a parent of it. */
export function activeHref(items: NavItem[], path: string): string | null {
  let best: string | null = null;
  for (const { href } of items) {
    const match = href === "/" ? path === "/" : path === href || path.startsWith(href + "/");
    if (match && (best === null || href.length > best.length)) best = href;
  }
  return best;
}

export function useOnline(): boolean {
  const [online, set] = useState(globalThis.navigator?.onLine ?? true);
  useEffect(() => {
    const on = () => set(true);
    const off = () => set(false);
    addEventListener("online", on);
    addEventListener("offline", off);
    return () => {
      removeEventListener("online", on);
      removeEventListener("offline", off);
    };
  }, []);
  return online;
}

interface InstallPrompt extends Event { prompt(): Promise<void> }

/** "Install the app" when the browser offers it (Chromium's beforeinstallprompt). */
function InstallButton() {
  const [prompt, setPrompt] = useState<InstallPrompt | null>(null);
  useEffect(() => {
    const offered = (event: Event) => {
      event.preventDefault();
      setPrompt(event as InstallPrompt);
    };
    addEventListener("beforeinstallprompt", offered);
    return () => removeEventListener("beforeinstallprompt", offered);
  }, []);
  if (!prompt) return null;
  return (
    <button type="button" class="govuk-button govuk-button--secondary ep-noprint"
      onClick={() => void prompt.prompt().finally(() => setPrompt(null))}>{t("pwa.install")}</button>
  );
}

export function Layout({ children }: { children: ComponentChildren }) {
  const lang = useLang();
  const session = useSession();
  const online = useOnline();
  const { path } = useLocation();
  const identity = identityOf(session);
  const role = identity?.role ?? null;
  const items = navFor(role);
  const [wilayah, setWilayah] = useState<Wilayah | null>(null);
  useEffect(() => {
    if (identity?.pemda && identity.wilayah) void loadWilayah(identity.pemda).then((r) => setWilayah(r.ok ? r.data.value : null));
  }, [identity?.pemda, identity?.wilayah]);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  return (
    <>
      <a href="#main" class="govuk-skip-link">{t("app.skip")}</a>
      <header class="govuk-header ep-header" role="banner">
        <div class="govuk-header__container govuk-width-container ep-header__bar">
          <a href="/" class="govuk-header__link govuk-header__link--homepage ep-header__name">{t("app.name")}</a>
          <nav class="ep-lang" aria-label={t("app.language")}>
            <button type="button" class="ep-lang__btn" lang="id" aria-pressed={lang === "id"} onClick={() => setLang("id")}>Bahasa Indonesia</button>
            <button type="button" class="ep-lang__btn" lang="en" aria-pressed={lang === "en"} onClick={() => setLang("en")}>English</button>
          </nav>
        </div>
      </header>
      <nav class="govuk-service-navigation" aria-label={t("app.menu")}>
        <div class="govuk-width-container">
          <ul class="govuk-service-navigation__list ep-nav">
            {items.map((item) => {
              const active = item.href === activeHref(items, path);
              return (
                <li class={"govuk-service-navigation__item" + (active ? " govuk-service-navigation__item--active" : "")} key={item.href}>
                  <a class="govuk-service-navigation__link" href={item.href} aria-current={active ? "page" : undefined}>{item.label}</a>
                </li>
              );
            })}
            {identity ? (
              <li class="govuk-service-navigation__item">
                <button type="button" class="govuk-service-navigation__link ep-linkbtn" onClick={() => void signOut()}>
                  {t("nav.signOut")} <span class="govuk-visually-hidden">({identity.sub})</span>
                </button>
              </li>
            ) : (
              <li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" href="/masuk">{t("nav.signIn")}</a></li>
            )}
          </ul>
        </div>
      </nav>
      <div class="govuk-width-container">
        <main class="govuk-main-wrapper" id="main" role="main" tabIndex={-1}>
          {!online && <div class="govuk-inset-text ep-offline" role="status">{t("app.offline")}</div>}
          {identity && (
            <p class="govuk-body-s ep-who">{t(`role.${identity.role}`)}{identity.wilayah ? ` · ${regionName(wilayah, identity.wilayah)}` : ""}</p>
          )}
          {children}
          <InstallButton />
        </main>
      </div>
    </>
  );
}
