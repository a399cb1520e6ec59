/** The citizen pages (no login): registered into the app's routes; each is its own chunk. */
import { lazy } from "preact-iso";
import { extraRoutes } from "../../app";

extraRoutes.push(
  { path: "/lacak", component: lazy(() => import("./Track")) },
  { path: "/lacak/:code", component: lazy(() => import("./Track")) },
  { path: "/publik", component: lazy(() => import("./Hub")) },
  { path: "/publik/:pemda/:tahun/rkpd", component: lazy(() => import("./Rkpd")) },
  { path: "/publik/:pemda/:tahun/pokir", component: lazy(() => import("./Pokir")) },
  { path: "/publik/:pemda/:tahun/data", component: lazy(() => import("./OpenData")) },
  { path: "/publik/:pemda/:tahun/grafik", component: lazy(() => import("./Charts")) },
);
