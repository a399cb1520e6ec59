/** The cost estimate shown while a volume is typed: volume x harga satuan of the kamus item,
 * rounded to the sen half up, as the service computes it (eplanning_common.domainkit.money).
 * Exact decimal arithmetic on BigInt: no float ever touches money. The service's answer is the one
 * that counts; this is only what the operator sees before sending. */

const VOLUME = /^(?=.*[1-9])([0-9]{1,10})(?:[.,]([0-9]{1,3}))?$/;
const MONEY = /^([0-9]+)(?:\.([0-9]{1,2}))?$/;

/** The volume as the API takes it (`"120.5"`), or null when it is not a valid volume (> 0, at most
 * 3 decimals; a decimal comma as typed on an Indonesian keyboard is accepted). */
export function normalizeVolume(input: string): string | null {
  const match = VOLUME.exec(input.trim());
  if (!match) return null;
  const whole = match[1]!.replace(/^0+(?=\d)/, "");
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole;
}

/** `volume` (text as the API takes it) x `hargaSatuan` (`"850000.00"`) -> `"102425000.00"`, or null
 * when either is not a valid number. */
export function estimateCost(volume: string, hargaSatuan: string): string | null {
  const v = normalizeVolume(volume);
  const h = MONEY.exec(hargaSatuan.trim());
  if (v === null || !h) return null;
  const [vWhole, vFraction = ""] = v.split(".");
  const volumeMilli = BigInt(vWhole! + vFraction.padEnd(3, "0")); // volume x 1000
  const hargaSen = BigInt(h[1]! + (h[2] ?? "").padEnd(2, "0")); // harga x 100
  const product = volumeMilli * hargaSen; // cost x 100_000
  const sen = (product + 500n) / 1000n; // half up to the sen (both factors are >= 0)
  const text = sen.toString().padStart(3, "0");
  return `${text.slice(0, -2)}.${text.slice(-2)}`;
}

/** True when the volume is above the kamus item's maximum (`volume_maks`, null: no maximum). */
export function exceedsMaximum(volume: string, volumeMaks: string | null | undefined): boolean {
  const v = normalizeVolume(volume);
  if (v === null || volumeMaks === null || volumeMaks === undefined) return false;
  const scale = (text: string) => {
    const [whole, fraction = ""] = text.split(".");
    return BigInt(whole! + fraction.padEnd(3, "0").slice(0, 3));
  };
  return scale(v) > scale(volumeMaks);
}
