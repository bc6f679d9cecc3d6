import { secretVariables } from "../functions/shared/config";
import { FUNCTION_CONFIGS } from "./function-settings";

/**
 * The secrets every stage needs, set once per stage with `npx sst secrets set <NAME> <value>`:
 * every secret some function's config declares. The stack binds the same ones, so the pre-deploy
 * check (`infra/deploy/check-secrets.ts`) asks for exactly what the functions will read.
 */
export const STAGE_SECRETS: readonly string[] = [
  ...new Set(Object.values(FUNCTION_CONFIGS).flatMap(secretVariables)),
].sort();
