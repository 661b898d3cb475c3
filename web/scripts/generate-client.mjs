// Generate the typed API client's types from the committed OpenAPI document (docs/api/openapi.json).
//   node scripts/generate-client.mjs          write src/api/schema.gen.ts
//   node scripts/generate-client.mjs --check  fail (exit 1) when src/api/schema.gen.ts is not what the document gives
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const documentPath = new URL("../../docs/api/openapi.json", import.meta.url);
const outputPath = new URL("../src/api/schema.gen.ts", import.meta.url);
const HEADER =
  "// Generated from docs/api/openapi.json by `npm run generate-client` (web/scripts/generate-client.mjs).\n" +
  "// Do not edit: change the API, regenerate the document, then run the script.\n\n";

const document = JSON.parse(await readFile(documentPath, "utf8"));
const ast = await openapiTS(document, { exportType: true, alphabetize: false });
const generated = HEADER + astToString(ast);

if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = await readFile(outputPath, "utf8");
  } catch {
    // a missing file is stale too
  }
  if (current !== generated) {
    console.error(
      `${fileURLToPath(outputPath)} is stale: docs/api/openapi.json changed since it was generated.\n` +
        "Run `npm run generate-client --prefix web` and commit the result.",
    );
    process.exit(1);
  }
  console.log("the API client is up to date with docs/api/openapi.json");
} else {
  await writeFile(outputPath, generated);
  console.log(`wrote ${fileURLToPath(outputPath)}`);
}
