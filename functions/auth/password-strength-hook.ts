import { APIError, getSessionFromCtx } from "better-auth/api";
import { type AuthHookContext, type BeforeHook, bodyText } from "./auth-hooks";
import { checkPasswordStrength, type PasswordOwner } from "./password-policy";

export const PASSWORD_TOO_WEAK_CODE = "PASSWORD_TOO_WEAK";

/** Where Better Auth takes a new password, and the body field that carries it. */
export const NEW_PASSWORD_FIELDS: Readonly<Record<string, string>> = {
  "/sign-up/email": "password",
  "/reset-password": "newPassword",
  "/change-password": "newPassword",
};

/** Whose password it is: the owner's e-mail and name count against it. */
async function ownerOf(ctx: AuthHookContext): Promise<PasswordOwner> {
  if (ctx.path === "/sign-up/email") {
    return { email: bodyText(ctx, "email"), name: bodyText(ctx, "name") };
  }
  if (ctx.path === "/reset-password") {
    const token = bodyText(ctx, "token");
    // An unknown or expired token is refused by Better Auth; the generic dictionaries still apply.
    const verification = token
      ? await ctx.context.internalAdapter.findVerificationValue(`reset-password:${token}`)
      : null;
    const user = verification
      ? await ctx.context.internalAdapter.findUserById(verification.value)
      : null;
    return user ? { email: user.email, name: user.name } : {};
  }
  const session = await getSessionFromCtx(ctx);
  return session ? { email: session.user.email, name: session.user.name } : {};
}

/**
 * zxcvbn's verdict before Better Auth hashes anything: 400 PASSWORD_TOO_WEAK with its warning.
 * Length problems are left to Better Auth, whose own codes the site already handles.
 */
export const refuseWeakPasswords: BeforeHook = {
  paths: Object.keys(NEW_PASSWORD_FIELDS),
  async run(ctx) {
    const password = bodyText(ctx, NEW_PASSWORD_FIELDS[ctx.path] ?? "");
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
