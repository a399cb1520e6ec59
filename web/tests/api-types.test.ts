/** The API client's types are generated, never edited: this fails when src/api/schema.d.ts differs
 * from what openapi-typescript makes of web/openapi.json, or (with the repo's .venv) when
 * web/openapi.json differs from the document the gateway builds from its operation catalogue.
 * Fix: `make web-types` and commit. (tests/unit/gateway/test_web_openapi.py checks the second
 * part from Python too, so `make test` covers it without Node.) */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildDocument, buildTypes } from "../scripts/gen-types.mjs";

const web = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const committedDocument = readFileSync(web("openapi.json"), "utf8");
const python = process.env.PYTHON ?? web("../.venv/bin/python");

describe("generated API types", () => {
  it("src/api/schema.d.ts is what openapi-typescript generates from openapi.json", async () => {
    const wanted = await buildTypes(committedDocument);
    const committed = readFileSync(web("src/api/schema.d.ts"), "utf8");
    expect(committed === wanted, "src/api/schema.d.ts is stale: run `make web-types`").toBe(true);
  });

  it.skipIf(!existsSync(python))("openapi.json is the gateway's current document", () => {
    const fresh = buildDocument();
    expect(JSON.parse(committedDocument)).toEqual(JSON.parse(fresh));
  });
});
