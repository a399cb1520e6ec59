import { render } from "preact";
import { App } from "./app";
import "./pages/publik/routes";
import "./pages/kecamatan/routes";
import { onSession, refresh, sessionState } from "./auth/session";
import { startAutoSync } from "./offline/outbox";
import "./styles/app.scss";

document.body.classList.add("govuk-frontend-supported", "js-enabled");
// after a reload: a new access token from the refresh cookie (the token itself is never stored)
void refresh();
render(<App />, document.getElementById("app")!);
let lastRenewal = 0;
const autoSync = startAutoSync(() => sessionState().status === "signed-in", (result) => {
  // the token expired while drafts waited: renew it (at most once a minute), then they go out
  if (result.needsSignIn && Date.now() - lastRenewal > 60_000) {
    lastRenewal = Date.now();
    void refresh();
  }
});
// signed in (again): the drafts written meanwhile go out now, not at the next timer tick
onSession((s) => {
  if (s.status === "signed-in") autoSync.run();
  if (s.status === "signed-in" && s.identity.role === "operator_desa") warmDesaScreens();
});

/** The desa screens' code loaded into memory once a desa operator is signed in (after the home is
 * shown), so that offline every screen opens at once: the service worker holds the files too, but
 * a dynamic import that fails once (an emulated or flaky offline) is not retried by the browser. */
let warmed = false;
function warmDesaScreens(): void {
  if (warmed) return;
  warmed = true;
  const load = () => {
    void import("./pages/desa/NewUsulan").catch(() => { warmed = false; });
    void import("./pages/desa/UsulanList").catch(() => { warmed = false; });
    void import("./pages/desa/UsulanDetail").catch(() => { warmed = false; });
  };
  if ("requestIdleCallback" in globalThis) requestIdleCallback(load, { timeout: 3000 });
  else setTimeout(load, 1000);
}

if ("serviceWorker" in navigator && import.meta.env.PROD) {
  addEventListener("load", () => void navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => undefined));
}
