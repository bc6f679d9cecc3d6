import { APIError } from "better-auth/api";
import { jwtVerify } from "jose";
import type { BeforeHook } from "./auth-hooks";

/** Better Auth's own code for a link that does not verify, which the site already explains. */
export const INVALID_TOKEN_CODE = "INVALID_TOKEN";

/**
 * Better Auth's verification link is a stateless JWT that stays valid for its whole lifetime.
 * Its effect is the user's state, so the state makes it single-use: a sign-up link whose
 * address is verified already has been used. (A change-of-address link is bound to the old
 * address, which Better Auth compares itself.) A bad or expired token is left to Better Auth.
 */
export const singleUseVerificationLinks: BeforeHook = {
  paths: ["/verify-email"],
  async run(ctx) {
    const token: unknown = (ctx.query as { token?: unknown } | undefined)?.token;
    if (typeof token !== "string") return;
    const payload = await jwtVerify(token, new TextEncoder().encode(ctx.context.secret), {
      algorithms: ["HS256"],
    }).then(
      (verified) => verified.payload,
      () => undefined,
    );
    if (!payload || payload.updateTo !== undefined || typeof payload.email !== "string") return;
    const found = await ctx.context.internalAdapter.findUserByEmail(payload.email);
    if (found?.user.emailVerified) {
      throw new APIError("UNAUTHORIZED", {
        code: INVALID_TOKEN_CODE,
        message: "This link was already used",
      });
    }
  },
};
