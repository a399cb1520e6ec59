// @vitest-environment jsdom
import { render } from "preact";
import { describe, expect, it } from "vitest";
import { toProblem } from "../src/api/problem";
import { ErrorSummary, Field, fieldId } from "../src/components/ErrorSummary";

describe("error display", () => {
  it("links each field error of a problem+json to its field and says what to do next", () => {
    const root = document.createElement("div");
    const problem = toProblem(422, {
      title: "Data tidak valid", status: 422, correlation_id: "c0ffee",
      errors: [{ field: "volume", message: "Volume paling banyak 2000", code: "max_value" },
        { field: "pengusul.nama", message: "Nama pengusul wajib diisi", code: "required" },
        { field: "body", message: "Isi permintaan tidak valid", code: "invalid" }],
    });
    render(<ErrorSummary problem={problem} known={["volume", "pengusul"]} />, root);
    const links = [...root.querySelectorAll("a")].map((a) => [a.getAttribute("href"), a.textContent]);
    expect(links).toEqual([["#f-volume", "Volume paling banyak 2000"], ["#f-pengusul.nama", "Nama pengusul wajib diisi"]]);
    expect(root.textContent).toContain("body: Isi permintaan tidak valid"); // a field the form does not show: named
    expect(root.textContent).toContain("Perbaiki isian ini lalu kirim lagi.");
    expect(root.textContent).toContain("c0ffee");
    expect(root.querySelector("h2")!.textContent).toBe("Data tidak valid");
  });

  it("says there is no connection when the request got no answer", () => {
    const root = document.createElement("div");
    render(<ErrorSummary problem={toProblem(0, null)} />, root);
    expect(root.textContent).toContain("Tidak ada sambungan ke server");
  });

  it("puts the message beside the field, marked for screen readers", () => {
    const root = document.createElement("div");
    const id = fieldId("volume");
    render(<Field id={id} label="Volume" hint="Angka" errors={["Volume paling banyak 2000"]}><input id={id} /></Field>, root);
    expect(root.querySelector(".govuk-form-group--error")).not.toBeNull();
    expect(root.querySelector(`#${id}-error`)!.textContent).toContain("Volume paling banyak 2000");
    expect(root.querySelector("label")!.getAttribute("for")).toBe(id);
  });
});
