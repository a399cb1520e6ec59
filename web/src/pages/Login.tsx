import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import type { Problem } from "../api/problem";
import { fieldMessages } from "../api/problem";
import { signIn } from "../auth/session";
import { describedBy, ErrorSummary, Field, fieldId, type SummaryItem } from "../components/ErrorSummary";
import { t, useLang } from "../i18n";

export default function Login() {
  useLang();
  const { route, query } = useLocation();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [local, setLocal] = useState<SummaryItem[]>([]);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const missing: SummaryItem[] = [];
    if (!username.trim()) missing.push({ field: "username", message: t("signIn.usernameRequired") });
    if (!password) missing.push({ field: "password", message: t("signIn.passwordRequired") });
    setLocal(missing);
    setProblem(null);
    if (missing.length) return;
    setBusy(true);
    const outcome = await signIn({ username: username.trim(), password });
    setBusy(false);
    if ("status" in outcome && typeof outcome.status === "number") {
      setProblem(outcome);
      return;
    }
    const next = query.next && query.next.startsWith("/") && !query.next.startsWith("//") ? query.next : "/";
    route(next, true);
  }

  const usernameErrors = [...local.filter((i) => i.field === "username").map((i) => i.message), ...fieldMessages(problem, "username")];
  const passwordErrors = [...local.filter((i) => i.field === "password").map((i) => i.message), ...fieldMessages(problem, "password")];
  const uid = fieldId("username");
  const pid = fieldId("password");
  return (
    <div class="govuk-grid-row">
      <div class="govuk-grid-column-two-thirds">
        <ErrorSummary problem={problem?.status === 0 ? { ...problem, title: t("signIn.failed") } : problem} items={local} known={["username", "password"]} />
        <h1 class="govuk-heading-l">{t("signIn.title")}</h1>
        <form onSubmit={submit} noValidate>
          <Field id={uid} label={t("signIn.username")} hint={t("signIn.usernameHint")} errors={usernameErrors}>
            <input class={"govuk-input" + (usernameErrors.length ? " govuk-input--error" : "")} id={uid} name="username" type="text"
              autoComplete="username" autoCapitalize="none" spellcheck={false} value={username}
              aria-describedby={describedBy(uid, true, usernameErrors)} onInput={(e) => setUsername(e.currentTarget.value)} />
          </Field>
          <Field id={pid} label={t("signIn.password")} errors={passwordErrors}>
            <input class={"govuk-input" + (passwordErrors.length ? " govuk-input--error" : "")} id={pid} name="password" type="password"
              autoComplete="current-password" value={password}
              aria-describedby={describedBy(pid, false, passwordErrors)} onInput={(e) => setPassword(e.currentTarget.value)} />
          </Field>
          <button type="submit" class="govuk-button" disabled={busy}>{busy ? t("signIn.busy") : t("signIn.submit")}</button>
        </form>
      </div>
    </div>
  );
}
