import { createAuthMiddleware } from "better-auth/api";

/** What a Better Auth before-hook receives: the request's path, body, headers and auth context. */
export type AuthHookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/**
 * One check that runs before Better Auth's endpoints. It refuses by throwing an APIError; it may
 * hand on a rewritten body (e.g. a trimmed name), which later hooks and the endpoint then see.
 */
export type BeforeHook = (
  ctx: AuthHookContext,
) =>
  | Promise<{ body: Record<string, unknown> } | undefined>
  | { body: Record<string, unknown> }
  | undefined;

/**
 * Better Auth takes a single `hooks.before`: this runs a list of hooks in order as that one, each
 * seeing the body the previous ones left. The first refusal stops the request.
 */
export function runInOrder(hooks: readonly BeforeHook[]) {
  return createAuthMiddleware(async (ctx) => {
    let body: Record<string, unknown> | undefined;
    for (const hook of hooks) {
      const result = await hook(body === undefined ? ctx : { ...ctx, body });
      if (result) body = result.body;
    }
    return body === undefined ? undefined : { context: { body } };
  });
}
