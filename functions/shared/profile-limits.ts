/**
 * Bounds on what a user may give as their account, with no imports: the auth function that
 * enforces them, the OpenAPI document that states them and the site that checks them as you type
 * all read these (the tasks Lambda, which builds the document, must not bundle Better Auth).
 */
export const NAME_MAX_LENGTH = 100;
/** RFC 5321: a forward path holds at most 256 octets, of which 254 are the address. */
export const EMAIL_MAX_LENGTH = 254;
/** Password length as Better Auth counts it (UTF-16 code units). */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
