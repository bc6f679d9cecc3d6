/**
 * API Gateway HTTP API behaviour this app relies on, shared by the stack and the local gateway
 * that plays its part on one machine.
 */

/**
 * How long API Gateway caches an authorizer answer per Authorization value. A cached allow can
 * outlive the token's `exp` by up to this many seconds; the local gateway uses the same value.
 */
export const AUTHORIZER_CACHE_TTL_SECONDS = 60;

/** API Gateway HTTP API's request payload limit. */
export const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** API Gateway HTTP API's integration timeout. */
export const GATEWAY_INTEGRATION_TIMEOUT_MS = 30_000;
