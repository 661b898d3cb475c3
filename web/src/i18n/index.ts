// i18next set up with every namespace in English and Korean; the choice is kept in localStorage.
import i18n, { type Resource } from "i18next";
import { initReactI18next } from "react-i18next";
import { namespaces } from "./namespaces";

export const LANGUAGES = ["en", "ko"] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = "mongo-admin.language";

function initialLanguage(): Language {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (stored === "en" || stored === "ko") return stored;
  return globalThis.navigator?.language?.toLowerCase().startsWith("ko") ? "ko" : "en";
}

const resources: Resource = { en: {}, ko: {} };
for (const [name, messages] of Object.entries(namespaces)) {
  resources.en![name] = messages.en;
  resources.ko![name] = messages.ko;
}

void i18n.use(initReactI18next).init({
  resources,
  lng: initialLanguage(),
  fallbackLng: "en",
  defaultNS: "common",
  ns: Object.keys(namespaces),
  interpolation: { escapeValue: false },
  returnNull: false,
});

function reflect(language: string): void {
  if (globalThis.document) globalThis.document.documentElement.lang = language;
}
reflect(i18n.language);
i18n.on("languageChanged", reflect);

/** Switch the interface language and remember it. */
export function setLanguage(language: Language): void {
  globalThis.localStorage?.setItem(STORAGE_KEY, language);
  void i18n.changeLanguage(language);
}

export default i18n;
