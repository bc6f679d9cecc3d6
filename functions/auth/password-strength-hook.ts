import { APIError, getSessionFromCtx } from "better-auth/api";
import { type AuthHookContext, type BeforeHook, bodyText } from "./auth-hooks";
import { checkPasswordStrength, type PasswordOwner } from "./password-policy";

export const PASSWORD_TOO_WEAK_CODE = "PASSWORD_TOO_WEAK";

/**
 * zxcvbn's verdict before Better Auth hashes anything: 400 PASSWORD_TOO_WEAK with its warning.
 * Length problems are left to Better Auth, whose own codes the site already handles.
 */
function refuseWeak(
  path: string,
  field: string,
  ownerOf: (ctx: AuthHookContext) => Promise<PasswordOwner>,
): BeforeHook {
  return {
    paths: [path],
    async run(ctx) {
      const password = bodyText(ctx, field);
      if (password === undefined) return;
      const check = await checkPasswordStrength(password, await ownerOf(ctx));
      if (check.ok || check.code !== PASSWORD_TOO_WEAK_CODE) return;
      throw new APIError("BAD_REQUEST", {
        code: PASSWORD_TOO_WEAK_CODE,
        message: check.message,
        suggestions: check.suggestions,
      });
    },
  };
}

/** Every place Better Auth takes a new password; the owner's e-mail and name count against it. */
export const refuseWeakPasswords: readonly BeforeHook[] = [
  refuseWeak("/sign-up/email", "password", async (ctx) => ({
    email: bodyText(ctx, "email"),
    name: bodyText(ctx, "name"),
  })),
  // The owner is found by the token; with an unknown one (refused by Better Auth right after)
  // the generic dictionaries still apply.
  refuseWeak("/reset-password", "newPassword", async (ctx) => {
    const token = bodyText(ctx, "token") ?? "";
    const { internalAdapter } = ctx.context;
    const verification = await internalAdapter.findVerificationValue(`reset-password:${token}`);
    const owner = verification ? await internalAdapter.findUserById(verification.value) : null;
    return { email: owner?.email, name: owner?.name };
  }),
  refuseWeak("/change-password", "newPassword", async (ctx) => {
    const session = await getSessionFromCtx(ctx);
    return { email: session?.user.email, name: session?.user.name };
  }),
];
