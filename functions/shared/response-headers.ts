import type { MiddlewareHandler } from "hono";

/** On every answer, errors too, so no JSON is sniffed into HTML even on a direct execute-api call. */
export const nosniff: MiddlewareHandler = async (c, next) => {
  await next();
  c.res.headers.set("x-content-type-options", "nosniff");
};
