import { extraRoutes } from "../../app";
void extraRoutes;
