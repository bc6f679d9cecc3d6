import { APIError } from "better-auth/api";
import { type BeforeHook, bodyText } from "./auth-hooks";

/**
 * Every account here has a password, so deleting one always re-checks it (Better Auth would
 * otherwise accept any session younger than a day).
 */
export const requirePasswordToDeleteAccount: BeforeHook = {
  paths: ["/delete-user"],
  async run(ctx) {
    if (!bodyText(ctx, "password")) {
      throw new APIError("BAD_REQUEST", {
        code: "PASSWORD_REQUIRED",
        message: "Enter your password to delete your account",
      });
    }
  },
};
