import { handle } from "hono/aws-lambda";
import { openDatabase } from "../db/database";
import { createTasksApp } from "./app";
import type { TasksConfig } from "./config";

/** The tasks API Lambda for a config: opens the database; the app does the rest. */
export async function createTasksHandler(config: TasksConfig) {
  const { db, close } = await openDatabase({ url: config.databaseUrl });
  return { handler: handle(createTasksApp({ db })), close };
}
