/**
 * A minimum answer time for endpoints whose work differs for known and unknown addresses (a
 * database write and a mail for one, nothing for the other): every answer takes at least
 * `floorMs`, so timing does not tell whether an address has an account.
 */
export const RESPONSE_FLOOR_MS = 1_000;

export interface FlooredHandler {
  handler(request: Request): Promise<Response>;
}

export function withResponseFloor<T extends FlooredHandler>(
  target: T,
  paths: readonly string[],
  floorMs: number,
): T {
  const handler = async (request: Request): Promise<Response> => {
    const startedAt = performance.now();
    try {
      return await target.handler(request);
    } finally {
      if (paths.includes(new URL(request.url).pathname)) {
        const remaining = Math.max(0, floorMs - (performance.now() - startedAt));
        await new Promise((resolve) => setTimeout(resolve, remaining));
      }
    }
  };
  return { ...target, handler };
}
