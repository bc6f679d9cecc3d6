import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { describeError, elapsedMs, log, type RequestFields } from "../../functions/shared/log";

/**
 * Adapts a fetch-style handler to Node's http server: the request body is buffered (as API
 * Gateway does) up to a limit, beyond which the client gets `tooLarge()` without the rest of the
 * upload being read; the response is written back with each Set-Cookie as its own header.
 */
export type FetchHandler = (request: Request, info: { sourceIp: string }) => Promise<Response>;

export interface NodeListenerOptions {
  maxBodyBytes: number;
  tooLarge: () => Response;
  /** Called once per request after the response is written, with the request log's fields. */
  onComplete?: (entry: RequestFields) => void;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "proxy-connection",
  "te",
  "trailer",
]);

/** The server's own answers: plain text that no browser may sniff into anything else. */
function plainText(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" },
  });
}

function sourceIpOf(request: IncomingMessage): string {
  return (request.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  const declared = Number(request.headers["content-length"] ?? "0");
  if (declared > limit) return Promise.resolve("too-large");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        request.removeAllListeners("data");
        request.pause();
        resolve("too-large");
        return;
      }
      chunks.push(chunk);
    });
    request.once("end", () => resolve(Buffer.concat(chunks)));
    request.once("error", reject);
  });
}

function toRequest(incoming: IncomingMessage, body: Buffer): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const host = incoming.headers.host ?? "127.0.0.1";
  const method = incoming.method ?? "GET";
  return new Request(new URL(incoming.url ?? "/", `http://${host}`), {
    method,
    headers,
    body:
      body.byteLength > 0 && method !== "GET" && method !== "HEAD"
        ? Uint8Array.from(body)
        : undefined,
  });
}

async function writeResponse(
  method: string,
  response: Response,
  outgoing: ServerResponse,
): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  const body =
    method === "HEAD" || response.body === null
      ? undefined
      : Buffer.from(await response.arrayBuffer());
  if (body && !response.headers.has("content-length")) {
    headers["content-length"] = String(body.byteLength);
  }
  outgoing.writeHead(response.status, headers);
  outgoing.end(body);
}

export function toNodeListener(
  handler: FetchHandler,
  options: NodeListenerOptions,
): RequestListener {
  return async (incoming, outgoing) => {
    const started = performance.now();
    const method = incoming.method ?? "GET";
    const path = (incoming.url ?? "/").split("?")[0] ?? "/";
    let response: Response;
    try {
      const body = await readBody(incoming, options.maxBodyBytes);
      if (body === "too-large") {
        // The rest of the upload is not read: answer, then close the connection.
        outgoing.setHeader("connection", "close");
        response = options.tooLarge();
      } else {
        const request = toRequest(incoming, body);
        try {
          response = await handler(request, { sourceIp: sourceIpOf(incoming) });
        } catch (error) {
          log.error("request failed", { method, path, ...describeError(error) });
          response = plainText(500, "Internal Server Error");
        }
      }
    } catch {
      // An unreadable body or a Host header that makes no URL.
      response = plainText(400, "Bad Request");
    }
    try {
      await writeResponse(method, response, outgoing);
    } catch (error) {
      log.warn("response not delivered", { method, path, ...describeError(error) });
      outgoing.destroy();
    }
    const requestId = response.headers.get("apigw-requestid");
    options.onComplete?.({
      ...(requestId ? { requestId } : {}),
      method,
      path,
      status: response.status,
      durationMs: elapsedMs(started),
    });
  };
}
