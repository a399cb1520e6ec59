/** Money and dates for people: Intl only (no hand-rolled formatting). Money is rupiah written the
 * Indonesian way (`Rp1.234.567`), dates and times in WIB (Asia/Jakarta) whatever the device's zone. */
export const TIME_ZONE = "Asia/Jakarta";

export type Lang = "id" | "en";
const LOCALE: Record<Lang, string> = { id: "id-ID", en: "en-GB" };

type Numeric = string | number;

const moneyWhole = new Intl.NumberFormat("id-ID", {
  style: "currency", currency: "IDR", minimumFractionDigits: 0, maximumFractionDigits: 0,
});
const moneySen = new Intl.NumberFormat("id-ID", {
  style: "currency", currency: "IDR", minimumFractionDigits: 2, maximumFractionDigits: 2,
});

function hasSen(amount: Numeric): boolean {
  const text = String(amount);
  const dot = text.indexOf(".");
  return dot >= 0 && /[1-9]/.test(text.slice(dot + 1));
}

/** `"1234567.00"` -> `Rp1.234.567`; sen are shown only when there are some (`Rp1.234,50`). The API's
 * decimal strings are formatted exactly (Intl takes the string, no float rounding on the way). */
export function formatRupiah(amount: Numeric): string {
  const format = hasSen(amount) ? moneySen : moneyWhole;
  const value = typeof amount === "number" ? amount : (amount as Intl.StringNumericLiteral);
  return format.formatToParts(value)
    .filter((part) => !(part.type === "literal" && part.value.trim() === ""))
    .map((part) => part.value)
    .join("");
}

const numberFormats = new Map<string, Intl.NumberFormat>();
/** A plain decimal (a volume) in the reader's language: `1.234,5` or `1,234.5`. */
export function formatNumber(value: Numeric, lang: Lang = "id"): string {
  const key = lang;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(LOCALE[lang], { maximumFractionDigits: 3 });
    numberFormats.set(key, format);
  }
  return format.format(typeof value === "number" ? value : (value as Intl.StringNumericLiteral));
}

function zonePart(parts: Intl.DateTimeFormatPart[]): string {
  // en's short name for +07:00 is "GMT+7": everyone here says WIB
  return parts.map((p) => (p.type === "timeZoneName" ? "WIB" : p.value)).join("");
}

/** `2027-01-05T00:00:00+07:00` -> `5 Januari 2027 pukul 00.00 WIB` (en: `5 January 2027 at 00:00 WIB`). */
export function formatDateTime(value: string | Date, lang: Lang = "id"): string {
  const format = new Intl.DateTimeFormat(LOCALE[lang], {
    timeZone: TIME_ZONE, day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit",
    timeZoneName: "short",
  });
  return zonePart(format.formatToParts(new Date(value)));
}

/** The calendar date in WIB: `5 Januari 2027`. */
export function formatDate(value: string | Date, lang: Lang = "id"): string {
  return new Intl.DateTimeFormat(LOCALE[lang], { timeZone: TIME_ZONE, day: "numeric", month: "long", year: "numeric" })
    .format(new Date(value));
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400_000], ["hour", 3_600_000], ["minute", 60_000],
];

/** Time from `now` to `target` in words: `dalam 3 hari`, `2 jam yang lalu` (largest whole unit). */
export function formatRelative(target: string | Date, now: Date = new Date(), lang: Lang = "id"): string {
  const delta = new Date(target).getTime() - now.getTime();
  const format = new Intl.RelativeTimeFormat(LOCALE[lang], { numeric: "auto" });
  for (const [unit, ms] of UNITS) {
    if (Math.abs(delta) >= ms) return format.format(Math.trunc(delta / ms), unit);
  }
  return format.format(Math.trunc(delta / 1000), "second");
}

/** The plan year a desa works on now: Musrenbang of year Y plans the RKPD of Y+1 (WIB calendar). */
export function currentPlanYear(now: Date = new Date()): number {
  const year = new Intl.DateTimeFormat("en", { timeZone: TIME_ZONE, year: "numeric" }).format(now);
  return Number(year) + 1;
}
