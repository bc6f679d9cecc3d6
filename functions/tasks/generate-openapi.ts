import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { OPENAPI_YAML_PATH, renderOpenApiYaml } from "./openapi-yaml";

/** `npm run openapi:generate`: writes the contract that specs/ commits, from the route schemas. */
const target = resolve(import.meta.dirname, "../..", OPENAPI_YAML_PATH);
await writeFile(target, renderOpenApiYaml());
console.log(`wrote ${OPENAPI_YAML_PATH}`);
