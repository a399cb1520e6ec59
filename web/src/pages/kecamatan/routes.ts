/** The kecamatan forum (operator_kecamatan; Bappeda for any kecamatan): registered into the app's
 * routes, each screen its own chunk. The kecamatan operator's home is the forum. */
import { lazy } from "preact-iso";
import { extraRoutes } from "../../app";

const FORUM = ["operator_kecamatan", "bappeda"];
const Forum = lazy(() => import("./Forum"));

extraRoutes.push(
  { path: "/home/operator_kecamatan", component: Forum },
  { path: "/kecamatan", component: Forum, roles: FORUM },
  { path: "/kecamatan/usulan/:id", component: lazy(() => import("./ForumUsulan")), roles: FORUM },
  { path: "/kecamatan/peringkat", component: lazy(() => import("./Ranking")), roles: FORUM },
  { path: "/kecamatan/duplikat", component: lazy(() => import("./Duplicates")), roles: FORUM },
  { path: "/kecamatan/tutup", component: lazy(() => import("./Close")), roles: FORUM },
  { path: "/kecamatan/berita-acara", component: lazy(() => import("./BeritaAcara")), roles: FORUM },
);
