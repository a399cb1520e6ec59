/** i18next with Bahasa Indonesia first, English switchable; the choice is remembered on the device
 * (a language preference, never a credential). */
import i18next from "i18next";
import { useEffect, useState } from "preact/hooks";
import type { Lang } from "../format";
import { en } from "./en";
import { id } from "./id";

const STORAGE_KEY = "eplanning.lang";

function storedLang(): Lang {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) === "en" ? "en" : "id";
  } catch {
    return "id";
  }
}

export const i18n = i18next.createInstance();
void i18n.init({
  lng: storedLang(),
  fallbackLng: "id",
  resources: { id: { translation: id }, en: { translation: en } },
  interpolation: { escapeValue: false }, // Preact escapes text
  initAsync: false,
});

export function currentLang(): Lang {
  return i18n.language === "en" ? "en" : "id";
}

export function setLang(lang: Lang): void {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  } catch {
    // private mode: the choice lasts for this visit
  }
  void i18n.changeLanguage(lang);
  if (globalThis.document) document.documentElement.lang = lang;
}

export const t = i18n.t.bind(i18n);

/** Re-renders the component when the language changes; returns the language. */
export function useLang(): Lang {
  const [lang, set] = useState<Lang>(currentLang());
  useEffect(() => {
    const listener = () => set(currentLang());
    i18n.on("languageChanged", listener);
    return () => i18n.off("languageChanged", listener);
  }, []);
  return lang;
}
