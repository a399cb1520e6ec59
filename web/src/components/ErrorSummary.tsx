/** Errors the GOV.UK way: a summary at the top linking to each field, the message beside the field,
 * and what to do next. Field names of problem+json (`pengusul.nama`) map to input ids (`f-pengusul.nama`). */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { Problem } from "../api/problem";
import { t } from "../i18n";

export function fieldId(field: string): string {
  return "f-" + field.replace(/[^A-Za-z0-9_.-]/g, "-");
}

export interface SummaryItem { field?: string | undefined; message: string }

/** The summary of `problem` (and of client-side `items`), focused when it appears. */
export function ErrorSummary({ problem, items = [], known = [] }: { problem?: Problem | null; items?: SummaryItem[]; known?: string[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const all: SummaryItem[] = [...items];
  if (problem) {
    if (problem.status === 0) all.push({ message: t("error.network") });
    for (const e of problem.errors) {
      const target = known.find((k) => e.field === k || e.field.startsWith(k + ".") || e.field.startsWith(k + "["));
      all.push({ field: target ? e.field : undefined, message: e.field && !target ? `${e.field}: ${e.message}` : e.message });
    }
    if (problem.status !== 0 && problem.errors.length === 0) all.push({ message: problem.detail || problem.title });
  }
  useEffect(() => {
    if (all.length) ref.current?.focus();
  }, [problem, items.length]);
  if (!all.length) return null;
  return (
    <div class="govuk-error-summary" data-module="govuk-error-summary" ref={ref} tabIndex={-1} aria-labelledby="error-summary-title">
      <div role="alert">
        <h2 class="govuk-error-summary__title" id="error-summary-title">{problem?.title || t("error.summary")}</h2>
        <div class="govuk-error-summary__body">
          <ul class="govuk-list govuk-error-summary__list">
            {all.map((item, i) => (
              <li key={i}>{item.field ? <a href={"#" + fieldId(item.field)}>{item.message}</a> : item.message}</li>
            ))}
          </ul>
          {problem && problem.errors.length > 0 && <p class="govuk-body">{t("error.fixField")}</p>}
          {problem?.correlationId && <p class="govuk-body-s">{t("error.correlation", { id: problem.correlationId })}</p>}
        </div>
      </div>
    </div>
  );
}

/** A form group with its label, hint and the errors for it. */
export function Field({ id, label, hint, errors = [], children }: {
  id: string; label: string; hint?: string | undefined; errors?: string[]; children: ComponentChildren;
}) {
  return (
    <div class={"govuk-form-group" + (errors.length ? " govuk-form-group--error" : "")}>
      <label class="govuk-label govuk-label--s" for={id}>{label}</label>
      {hint && <div class="govuk-hint" id={id + "-hint"}>{hint}</div>}
      {errors.map((message, i) => (
        <p class="govuk-error-message" id={i === 0 ? id + "-error" : undefined} key={i}>
          <span class="govuk-visually-hidden">Error:</span> {message}
        </p>
      ))}
      {children}
    </div>
  );
}

export function describedBy(id: string, hint: boolean, errors: string[]): string | undefined {
  const ids = [hint ? id + "-hint" : "", errors.length ? id + "-error" : ""].filter(Boolean).join(" ");
  return ids || undefined;
}
