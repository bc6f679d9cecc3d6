/**
 * The paths Better Auth serves, read from its own endpoint objects (`auth.api`, plugins included),
 * so the list cannot drift from the version in use. A `:param` segment matches one segment.
 */
export function servedPathMatcher(
  api: Readonly<Record<string, unknown>>,
): (path: string) => boolean {
  const patterns = Object.values(api).flatMap((endpoint) => {
    const path = (endpoint as { path?: unknown }).path;
    // Server-only endpoints have no path: no request can reach them.
    if (typeof path !== "string") return [];
    const segments = path
      .split("/")
      .map((segment) =>
        segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
      );
    return [new RegExp(`^${segments.join("/")}/?$`)];
  });
  return (path) => patterns.some((pattern) => pattern.test(path));
}
