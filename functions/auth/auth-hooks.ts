import { createAuthMiddleware } from "better-auth/api";

/** What a Better Auth before-hook receives: the request's path, body, query and auth context. */
export type AuthHookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/** A hook may hand on a rewritten body (e.g. a trimmed name). */
export type BeforeHookResult = { body: Record<string, unknown> } | undefined;

/**
 * One check in front of some endpoints. It refuses a request by throwing an APIError; it may
 * hand on a rewritten body, which later hooks and the endpoint then see.
 */
export interface BeforeHook {
  /** Better Auth paths (under the base path) the check runs on. */
  readonly paths: readonly string[];
  // biome-ignore lint/suspicious/noConfusingVoidType: a check returns nothing, a rewrite its body.
  run(ctx: AuthHookContext): Promise<BeforeHookResult | void> | BeforeHookResult | void;
}

/**
 * Better Auth takes one `hooks.before`; this runs each check whose paths match, in list order,
 * each seeing the body the previous ones left, so a new check is one more entry in create-auth.ts.
 * The first refusal stops the request.
 */
export function composeBeforeHooks(hooks: readonly BeforeHook[]) {
  return createAuthMiddleware(async (ctx) => {
    let body: Record<string, unknown> | undefined;
    for (const hook of hooks) {
      if (!hook.paths.includes(ctx.path)) continue;
      const result = await hook.run(body === undefined ? ctx : { ...ctx, body });
      if (result) body = result.body;
    }
    return body === undefined ? undefined : { context: { body } };
  });
}

/** A string field of a JSON body, or undefined when absent or of another type. */
export function bodyText(ctx: AuthHookContext, field: string): string | undefined {
  const value: unknown = (ctx.body as Record<string, unknown> | undefined)?.[field];
  return typeof value === "string" ? value : undefined;
}
