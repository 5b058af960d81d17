// Regenerates src/schema.ts and src/keyed.ts from the server's OpenAPI document, and
// openapi.sha256 beside them:
// the hash a test of the Java build compares with the document, so that a route changed without
// the client being regenerated fails the build. Run: npm run generate
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { render } from "./render.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const document = join(root, "../../credits-server/src/main/resources/dev/credits/server/openapi.yml");

const { schema, keyed } = await render(pathToFileURL(document));
writeFileSync(join(root, "src/schema.ts"), schema);
writeFileSync(join(root, "src/keyed.ts"), keyed);
const hash = createHash("sha256").update(readFileSync(document)).digest("hex");
writeFileSync(join(root, "openapi.sha256"), hash + "  openapi.yml\n");
console.log(`src/schema.ts and src/keyed.ts written from ${document} (sha256 ${hash})`);
