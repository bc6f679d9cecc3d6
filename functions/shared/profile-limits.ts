/**
 * Bounds on what a user may store as their profile, with no imports: the auth hook that enforces
 * them (functions/auth/profile-fields.ts) and the OpenAPI document that states them both read
 * these, and the tasks Lambda, which builds the document, must not bundle Better Auth for it.
 */
export const NAME_MAX_LENGTH = 100;
/** RFC 5321: a forward path holds at most 256 octets, of which 254 are the address. */
export const EMAIL_MAX_LENGTH = 254;
