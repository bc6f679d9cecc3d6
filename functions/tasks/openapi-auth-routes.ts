import { createRoute, z } from "@hono/zod-openapi";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../auth/password-policy-options";
import { EMAIL_MAX_LENGTH, NAME_MAX_LENGTH } from "../shared/profile-limits";
import { GatewayErrorSchema } from "./task-schemas";

/**
 * The auth function's endpoints a client of the tasks API needs (sign up, confirm the address,
 * sign in, get a bearer token, the public keys), described by hand: Better Auth serves them under
 * `ANY /api/auth/{proxy+}`, and its own OpenAPI plugin would document dozens of routes behind a
 * second route. A test walks them against the real auth function and parses every answer with
 * these schemas (README.md's walkthrough), so the description cannot drift from what it serves.
 */

export const SESSION_COOKIE_SCHEME = "sessionCookie";
const sessionCookie = [{ [SESSION_COOKIE_SCHEME]: [] }];

export const AuthErrorSchema = z
  .object({
    message: z.string(),
    code: z.string().optional().openapi({
      description:
        "Better Auth's error code, e.g. INVALID_EMAIL_OR_PASSWORD; absent only on its per-address 429.",
    }),
  })
  .openapi("AuthError", {
    description: "What Better Auth answers on /api/auth/* when it refuses a request.",
  });

export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    emailVerified: z.boolean(),
    image: z.string().nullable().optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("User");

const email = z.email().max(EMAIL_MAX_LENGTH).openapi({ example: "ada@example.com" });
const password = z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH).openapi({
  description:
    "Checked for strength too: a guessable password, or one close to the name or address, is refused with PASSWORD_TOO_WEAK.",
  example: "lantern orbit kettle drum",
});

export const SignUpSchema = z
  .object({
    name: z.string().min(1).max(NAME_MAX_LENGTH).openapi({
      description: "Required; trimmed, then 1–100 characters. Copied into every access token.",
      example: "Ada",
    }),
    email,
    password,
    callbackURL: z.string().optional().openapi({
      description: "Where the confirmation link leads after it signs the user in.",
    }),
  })
  .openapi("SignUp");

export const SignUpResultSchema = z
  .object({
    token: z.string().nullable().openapi({
      description: "null while the address is unconfirmed: no session until the mail's link.",
    }),
    user: UserSchema,
  })
  .openapi("SignUpResult");

export const SignInSchema = z
  .object({ email, password, rememberMe: z.boolean().optional() })
  .openapi("SignIn");

export const SignInResultSchema = z
  .object({ redirect: z.boolean(), token: z.string(), user: UserSchema })
  .openapi("SignInResult");

export const VerifyEmailResultSchema = z
  .object({ status: z.literal(true), user: UserSchema.nullable().optional() })
  .openapi("VerifyEmailResult");

export const AccessTokenSchema = z
  .object({
    token: z.string().openapi({
      description:
        "An EdDSA JWT for `Authorization: Bearer`, valid 15 minutes; ask again for a new one.",
    }),
  })
  .openapi("AccessToken");

export const JwksSchema = z
  .object({
    keys: z.array(
      z
        .object({
          kid: z.string(),
          kty: z.literal("OKP"),
          crv: z.literal("Ed25519"),
          x: z.string(),
        })
        .openapi("Jwk"),
    ),
  })
  .openapi("Jwks");

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const authError = (description: string) => json(AuthErrorSchema, description);
const body = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});
const setsSessionCookie = {
  "Set-Cookie": z.string().openapi({
    description: "The session cookie (HttpOnly) that GET /api/auth/token reads.",
  }),
};
const originHeader = z.object({
  origin: z.string().openapi({
    description: "The site's origin: Better Auth refuses requests that name another.",
    example: "http://127.0.0.1:3000",
  }),
});
const tooMany = {
  429: {
    description:
      "Too many attempts from this address: Better Auth's AuthError with an X-Retry-After header (seconds), or the edge's GatewayError.",
    headers: z.object({ "X-Retry-After": z.string().optional() }),
    content: { "application/json": { schema: z.union([AuthErrorSchema, GatewayErrorSchema]) } },
  },
};

export const signUpRoute = createRoute({
  method: "post",
  path: "/api/auth/sign-up/email",
  operationId: "signUp",
  tags: ["auth"],
  summary: "Create an account; a confirmation link goes to the address",
  security: [],
  request: { headers: originHeader, body: body(SignUpSchema) },
  responses: {
    200: json(
      SignUpResultSchema,
      "Accepted; the mail's link confirms the address. An address already taken gets the same answer, so sign-up does not reveal who has an account.",
    ),
    400: authError(
      "A field is missing, malformed or out of bounds (NAME_REQUIRED, NAME_TOO_LONG, PASSWORD_TOO_SHORT, PASSWORD_TOO_WEAK, …).",
    ),
    403: authError("The Origin header names another site."),
    422: authError("Another sign-up for the same address won the race."),
    ...tooMany,
  },
});

export const verifyEmailRoute = createRoute({
  method: "get",
  path: "/api/auth/verify-email",
  operationId: "verifyEmail",
  tags: ["auth"],
  summary: "Confirm the address with the token from the mail's link, and sign in",
  security: [],
  request: {
    query: z.object({
      token: z.string().openapi({ param: { name: "token", in: "query" } }),
      callbackURL: z
        .string()
        .optional()
        .openapi({ param: { name: "callbackURL", in: "query" } }),
    }),
  },
  responses: {
    200: {
      ...json(VerifyEmailResultSchema, "Confirmed; the response signs the user in."),
      headers: z.object(setsSessionCookie),
    },
    302: { description: "Confirmed (or refused) and sent on to `callbackURL`." },
    401: authError("The link expired or was already used (INVALID_TOKEN, TOKEN_EXPIRED)."),
    ...tooMany,
  },
});

export const signInRoute = createRoute({
  method: "post",
  path: "/api/auth/sign-in/email",
  operationId: "signIn",
  tags: ["auth"],
  summary: "Sign in with e-mail and password; sets the session cookie",
  security: [],
  request: { headers: originHeader, body: body(SignInSchema) },
  responses: {
    200: { ...json(SignInResultSchema, "Signed in."), headers: z.object(setsSessionCookie) },
    400: authError("A field is missing or malformed."),
    401: authError("Wrong e-mail or password (INVALID_EMAIL_OR_PASSWORD)."),
    403: authError(
      "The address is not confirmed yet (EMAIL_NOT_VERIFIED), or the Origin header names another site.",
    ),
    ...tooMany,
  },
});

export const tokenRoute = createRoute({
  method: "get",
  path: "/api/auth/token",
  operationId: "getAccessToken",
  tags: ["auth"],
  summary: "Exchange the session cookie for a short-lived bearer token",
  security: sessionCookie,
  responses: {
    200: json(AccessTokenSchema, "A fresh access token for the tasks API."),
    401: authError("No session, or the session has ended."),
    ...tooMany,
  },
});

export const jwksRoute = createRoute({
  method: "get",
  path: "/api/auth/jwks",
  operationId: "getJwks",
  tags: ["auth"],
  summary: "The public keys (Ed25519) that verify access tokens",
  security: [],
  responses: {
    200: json(JwksSchema, "The JSON Web Key Set; keys rotate without a redeploy."),
    429: {
      description: "The edge's per-address limit (GatewayError); Better Auth never limits it.",
      content: { "application/json": { schema: GatewayErrorSchema } },
    },
  },
});

export const AUTH_ROUTES = [
  signUpRoute,
  verifyEmailRoute,
  signInRoute,
  tokenRoute,
  jwksRoute,
] as const;

// The answers' types, for the site (type-only, so no bytes of runtime).
export type AuthError = z.infer<typeof AuthErrorSchema>;
export type AccessToken = z.infer<typeof AccessTokenSchema>;
