import { createAuthMiddleware } from "better-auth/api";

/** What a Better Auth before-hook receives: the request's path, body, query and auth context. */
export type AuthHookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/** One check in front of some endpoints; it refuses a request by throwing an APIError. */
export interface BeforeHook {
  /** Better Auth paths (under the base path) the check runs on. */
  readonly paths: readonly string[];
  run(ctx: AuthHookContext): Promise<void>;
}

/**
 * Better Auth takes one `hooks.before`; this runs each check whose paths match, in list order,
 * so a new check is one more entry in create-auth.ts.
 */
export function composeBeforeHooks(hooks: readonly BeforeHook[]) {
  return createAuthMiddleware(async (ctx) => {
    for (const hook of hooks) {
      if (hook.paths.includes(ctx.path)) await hook.run(ctx);
    }
  });
}

/** A string field of a JSON body, or undefined when absent or of another type. */
export function bodyText(ctx: AuthHookContext, field: string): string | undefined {
  const value: unknown = (ctx.body as Record<string, unknown> | undefined)?.[field];
  return typeof value === "string" ? value : undefined;
}
