import { openDatabase, pingDatabase } from "../../functions/db/database";
import { parseConfig } from "../../functions/shared/config";
import { tasksConfig, tasksEnvironment } from "../../functions/tasks/config";
import type {
  LocalFunctionFactory,
  LocalFunctionSpec,
} from "../../infra/local/function-instance-protocol";

/**
 * The API benchmark's floor: a function that only runs `SELECT 1`, opened exactly as the tasks
 * function opens its database (same settings, same driver, same pool size) and run in a pool of
 * instances like it, so the floor and the API differ only in what the API does per request.
 */
export const floor: LocalFunctionFactory = async ({ environment }) => {
  const { db, close } = await openDatabase({
    url: parseConfig(tasksConfig, environment).databaseUrl,
  });
  return {
    handler: async () => {
      await pingDatabase(db);
      return {
        statusCode: 200,
        headers: { "content-type": "application/json" },
        body: '{"ok":true}',
      };
    },
    close,
  };
};

/** The floor function for a stack whose functions use `databaseUrl`. */
export function floorFunction(databaseUrl: string): LocalFunctionSpec {
  return {
    module: import.meta.url,
    factory: "floor",
    input: { environment: tasksEnvironment({ databaseUrl }) },
  };
}
