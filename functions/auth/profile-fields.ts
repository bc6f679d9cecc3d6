import { APIError } from "better-auth/api";
import { EMAIL_MAX_LENGTH, NAME_MAX_LENGTH } from "../shared/profile-limits";
import type { BeforeHook } from "./auth-hooks";

/**
 * Bounds on what a user may store as their profile. Name and e-mail are copied into every access
 * token, so unbounded values would bloat the database and can push a token past the authorizer's
 * size limit, locking the account out of the API.
 */
export { EMAIL_MAX_LENGTH, NAME_MAX_LENGTH } from "../shared/profile-limits";

export const PROFILE_FIELD_CODES = {
  nameRequired: "NAME_REQUIRED",
  nameTooLong: "NAME_TOO_LONG",
  emailTooLong: "EMAIL_TOO_LONG",
} as const;

interface ProfileWrite {
  name?: "required" | "optional";
  email?: string;
}

/** The endpoints that write a name or an address, and the body fields that carry them. */
const PROFILE_WRITES: Readonly<Record<string, ProfileWrite>> = {
  "/sign-up/email": { name: "required", email: "email" },
  "/update-user": { name: "optional" },
  "/change-email": { email: "newEmail" },
};

// Length in code points, as PostgreSQL's char_length and the site's counters see it.
const lengthOf = (value: string) => Array.from(value).length;

function refuse(code: string, message: string): never {
  throw new APIError("BAD_REQUEST", { code, message });
}

/**
 * Trims the name and requires 1–100 characters; refuses an e-mail over 254 characters. Fields of
 * another type are left to Better Auth's own validation, which refuses them.
 */
export const boundProfileFields: BeforeHook = {
  paths: Object.keys(PROFILE_WRITES),
  run(ctx) {
    // Runs only on the paths above.
    const fields = PROFILE_WRITES[ctx.path] as ProfileWrite;
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    const email = fields.email === undefined ? undefined : body[fields.email];
    if (typeof email === "string" && lengthOf(email) > EMAIL_MAX_LENGTH) {
      refuse(
        PROFILE_FIELD_CODES.emailTooLong,
        `The e-mail address must be at most ${EMAIL_MAX_LENGTH} characters`,
      );
    }
    const name = body.name;
    if (fields.name === undefined || typeof name !== "string") return undefined;
    const trimmed = name.trim();
    if (trimmed === "") refuse(PROFILE_FIELD_CODES.nameRequired, "Enter your name");
    if (lengthOf(trimmed) > NAME_MAX_LENGTH) {
      refuse(
        PROFILE_FIELD_CODES.nameTooLong,
        `The name must be at most ${NAME_MAX_LENGTH} characters`,
      );
    }
    return trimmed === name ? undefined : { body: { ...body, name: trimmed } };
  },
};
