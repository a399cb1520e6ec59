/** Routes. The desa home is in the first-load bundle; every other screen is loaded when opened
 * (code splitting keeps the desa operator's first load under the 200 KB gz budget). */
import { ErrorBoundary, lazy, LocationProvider, Route, Router, useLocation } from "preact-iso";
import type { ComponentType } from "preact";
import { useEffect } from "preact/hooks";
import { identityOf, useSession } from "./auth/session";
import { Layout } from "./components/Layout";
import { t, useLang } from "./i18n";
import DesaHome from "./pages/desa/Home";

const Login = lazy(() => import("./pages/Login"));
const NewUsulan = lazy(() => import("./pages/desa/NewUsulan"));
const UsulanList = lazy(() => import("./pages/desa/UsulanList"));
const UsulanDetail = lazy(() => import("./pages/desa/UsulanDetail"));

/** Screens other helpers add (kecamatan forum, citizen pages) register here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const extraRoutes: { path: string; component: ComponentType<any>; roles?: string[] }[] = [];

function NotFound() {
  useLang();
  return (
    <>
      <h1 class="govuk-heading-l">{t("error.notFound")}</h1>
      <p class="govuk-body">{t("error.notFoundHelp")} <a class="govuk-link" href="/">{t("nav.home")}</a></p>
    </>
  );
}

/** Signed-in screens for the given roles; others are sent to sign in (and back afterwards). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function Guard({ roles, component: Component }: { roles?: string[] | undefined; component: ComponentType<any> }) {
  const session = useSession();
  const { url, route } = useLocation();
  useEffect(() => {
    if (session.status === "signed-out") route(`/masuk?next=${encodeURIComponent(url)}`, true);
  }, [session.status]);
  const identity = identityOf(session);
  if (!identity) return <p class="govuk-body" role="status">…</p>;
  if (roles && !roles.includes(identity.role)) return <p class="govuk-body">{t("error.forbidden")}</p>;
  return <Component />;
}

function Home() {
  const identity = identityOf(useSession());
  if (identity && identity.role !== "operator_desa") {
    const other = extraRoutes.find((r) => r.path === "/home/" + identity.role);
    if (other) {
      const Other = other.component;
      return <Other />;
    }
    return <p class="govuk-body">{t(`role.${identity.role}`)}</p>;
  }
  return <Guard roles={["operator_desa"]} component={DesaHome} />;
}

const desa = ["operator_desa"];
const readers = ["operator_desa", "operator_kecamatan", "bappeda"];

export function App() {
  useLang();
  return (
    <LocationProvider>
      <ErrorBoundary>
        <Layout>
          <Router>
            <Route path="/" component={Home} />
            <Route path="/masuk" component={Login} />
            <Route path="/usulan/baru" component={() => <Guard roles={desa} component={NewUsulan} />} />
            <Route path="/usulan" component={() => <Guard roles={desa} component={UsulanList} />} />
            <Route path="/usulan/:id" component={() => <Guard roles={readers} component={UsulanDetail} />} />
            {extraRoutes.filter((r) => !r.path.startsWith("/home/")).map((r) => (
              <Route key={r.path} path={r.path}
                component={r.roles ? () => <Guard roles={r.roles} component={r.component} /> : r.component} />
            ))}
            <Route default component={NotFound} />
          </Router>
        </Layout>
      </ErrorBoundary>
    </LocationProvider>
  );
}
