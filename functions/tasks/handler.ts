import { handle } from "hono/aws-lambda";
import { openDatabase } from "../db/database";
import { readSecret } from "../shared/secrets";
import { createTasksApp } from "./app";

/** The tasks API Lambda: settings are read once per cold start; the app does the rest. */
const { db } = await openDatabase({ url: await readSecret("DATABASE_URL") });

export const handler = handle(createTasksApp({ db }));
