/**
 * Task limits, with no imports: the CHECK constraints (functions/db/schema.ts), the API schemas
 * and the site's forms all read these, and the site bundles them without the database code.
 */
export const TASK_TITLE_MAX = 200;
export const TASK_DESCRIPTION_MAX = 2000;
