import { describe, expect, it } from "vitest";
import { currentPlanYear, formatDate, formatDateTime, formatNumber, formatRelative, formatRupiah } from "../src/format";

describe("formatRupiah", () => {
  it("writes rupiah the Indonesian way, no space after Rp", () => {
    expect(formatRupiah("1234567.00")).toBe("Rp1.234.567");
    expect(formatRupiah(1234567)).toBe("Rp1.234.567");
    expect(formatRupiah("0.00")).toBe("Rp0");
  });
  it("shows sen only when there are some, exactly (no float rounding)", () => {
    expect(formatRupiah("1234.50")).toBe("Rp1.234,50");
    expect(formatRupiah("9007199254740993.01")).toBe("Rp9.007.199.254.740.993,01");
  });
});

describe("dates in WIB", () => {
  it("shows the time in Asia/Jakarta whatever the instant's offset", () => {
    // 17:30 UTC is 00:30 the next day in WIB
    expect(formatDateTime("2027-01-04T17:30:00Z", "id")).toBe("5 Januari 2027 pukul 00.30 WIB");
    expect(formatDateTime("2027-01-05T00:30:00+07:00", "en")).toBe("5 January 2027 at 00:30 WIB");
    expect(formatDate("2027-01-04T17:30:00Z", "id")).toBe("5 Januari 2027");
  });
  it("says the time left in words", () => {
    const now = new Date("2027-01-05T00:00:00+07:00");
    expect(formatRelative("2027-01-08T00:00:00+07:00", now, "id")).toBe("dalam 3 hari");
    expect(formatRelative("2027-01-05T02:00:00+07:00", now, "en")).toBe("in 2 hours");
    expect(formatRelative("2027-01-04T23:00:00+07:00", now, "id")).toBe("1 jam yang lalu");
  });
  it("takes the plan year from the WIB calendar (Musrenbang of Y plans Y+1)", () => {
    expect(currentPlanYear(new Date("2026-12-31T17:30:00Z"))).toBe(2028); // already 1 Jan 2027 in WIB
    expect(currentPlanYear(new Date("2026-12-31T16:30:00Z"))).toBe(2027);
  });
  it("formats volumes in the reader's language", () => {
    expect(formatNumber("1234.5", "id")).toBe("1.234,5");
    expect(formatNumber("1234.5", "en")).toBe("1,234.5");
  });
});
