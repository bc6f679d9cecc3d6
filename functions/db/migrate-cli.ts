import { errorMessage, log } from "../shared/log";
import { configureTelemetry } from "../shared/telemetry";
import { closeSharedDatabases, openDatabase } from "./database";
import { runMigrations } from "./migrate";

configureTelemetry("db:migrate", process.env);
const url = process.env.DATABASE_URL;
if (!url) {
  console.error("db:migrate needs DATABASE_URL (postgres://…, pglite:<dir> or memory:)");
  process.exit(1);
}
const database = await openDatabase({ url });
try {
  const result = await runMigrations(database.db);
  log.info("migrations applied", { database: database.label, ...result });
} catch (error) {
  console.error(`db:migrate failed: ${errorMessage(error)}`);
  process.exitCode = 1;
} finally {
  await database.close();
  await closeSharedDatabases();
}
