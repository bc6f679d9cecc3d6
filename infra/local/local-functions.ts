import { authConfig } from "../../functions/auth/config";
import { createAuthHandler } from "../../functions/auth/create-handler";
import { authorizerConfig } from "../../functions/authorizer/config";
import { createAuthorizerHandler } from "../../functions/authorizer/create-handler";
import { parseConfig } from "../../functions/shared/config";
import { configureTelemetry } from "../../functions/shared/telemetry";
import { tasksConfig } from "../../functions/tasks/config";
import { createTasksHandler } from "../../functions/tasks/create-handler";
import type {
  LocalFunctionFactory,
  LocalFunctionSpec,
  LocalHandler,
} from "./function-instance-protocol";
import { createOutboxMailSender } from "./outbox";

/**
 * The stack's functions as each instance builds them: what the Lambda entries in functions/*
 * do at a cold start (telemetry, then the settings parsed from the environment, then the
 * factory), except that mail goes to the outbox in the data directory instead of SES.
 */
export const auth: LocalFunctionFactory = async ({ environment, dataDir }) => {
  if (!dataDir) throw new Error("the local auth function needs the data directory for its outbox");
  configureTelemetry("auth", environment);
  const config = parseConfig(authConfig, environment);
  const { handler, close } = await createAuthHandler(config, {
    mail: createOutboxMailSender(dataDir, { from: config.mailFrom }),
  });
  return { handler: handler as LocalHandler, close };
};

export const api: LocalFunctionFactory = async ({ environment }) => {
  configureTelemetry("api", environment);
  const { handler, close } = await createTasksHandler(parseConfig(tasksConfig, environment));
  // hono/aws-lambda types an event's body as string | null, aws-lambda as string | undefined.
  return { handler: handler as unknown as LocalHandler, close };
};

export const authorizer: LocalFunctionFactory = async ({ environment }) => {
  configureTelemetry("authorizer", environment);
  const handler = createAuthorizerHandler(parseConfig(authorizerConfig, environment));
  return { handler: handler as LocalHandler };
};

/** How a pool finds one of the functions above. */
export function localFunction(
  factory: "auth" | "api" | "authorizer",
  input: LocalFunctionSpec["input"],
): LocalFunctionSpec {
  return { module: import.meta.url, factory, input };
}
