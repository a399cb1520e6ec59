import { describe, expect, it } from "vitest";
import { estimateCost, exceedsMaximum, normalizeVolume } from "../src/cost";

describe("estimateCost (volume x harga satuan, half up to the sen like the service)", () => {
  it("multiplies exactly", () => {
    expect(estimateCost("120.5", "850000.00")).toBe("102425000.00");
    expect(estimateCost("1", "850000.00")).toBe("850000.00");
    expect(estimateCost("0.001", "1.00")).toBe("0.00"); // 0.001 -> rounds to 0 sen
    expect(estimateCost("0.005", "1.00")).toBe("0.01"); // exactly half a sen rounds up
    expect(estimateCost("0.004", "1.00")).toBe("0.00");
    expect(estimateCost("3.333", "0.15")).toBe("0.50"); // 0.49995 -> 0.50
  });
  it("stays exact where floats do not (1e9 x large prices)", () => {
    expect(estimateCost("1000000000", "99999999.99")).toBe("99999999990000000.00");
    expect(estimateCost("0.1", "0.70")).toBe("0.07");
  });
  it("accepts a decimal comma as typed on an Indonesian keyboard", () => {
    expect(estimateCost("120,5", "850000.00")).toBe("102425000.00");
  });
  it("gives nothing for what the API would refuse", () => {
    for (const bad of ["", "0", "0.000", "-1", "1.2345", "abc", "1e3", "12345678901"]) {
      expect(estimateCost(bad, "850000.00")).toBeNull();
    }
    expect(estimateCost("1", "not money")).toBeNull();
  });
});

describe("normalizeVolume", () => {
  it("gives the API's text form", () => {
    expect(normalizeVolume(" 007.50 ")).toBe("7.5");
    expect(normalizeVolume("120,500")).toBe("120.5");
    expect(normalizeVolume("2000")).toBe("2000");
  });
});

describe("exceedsMaximum", () => {
  it("compares with the kamus item's volume_maks", () => {
    expect(exceedsMaximum("2000", "2000")).toBe(false);
    expect(exceedsMaximum("2000.001", "2000")).toBe(true);
    expect(exceedsMaximum("99999", null)).toBe(false);
  });
});
