import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { WebSocketServer } from "ws";
import { isLoopbackHost } from "./loopback-host";

export { isLoopbackHost };

/**
 * A WebSocket-to-TCP pipe for a Postgres server on this machine, so the Neon serverless
 * driver (which only speaks WebSocket) runs unchanged against a plain PostgreSQL.
 * Clients connect to ws://127.0.0.1:<port>/v2?address=<host>:<port>; only loopback targets are allowed.
 */
export interface LocalWebSocketPipe {
  port: number;
  close(): Promise<void>;
}

export async function startLocalWebSocketPipe(): Promise<LocalWebSocketPipe> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(426).end();
  });
  const wss = new WebSocketServer({ server });
  wss.on("connection", (socket, request) => {
    const target = new URL(request.url ?? "/", "ws://pipe").searchParams.get("address") ?? "";
    const separator = target.lastIndexOf(":");
    const host = target.slice(0, separator);
    const port = Number(target.slice(separator + 1));
    if (!isLoopbackHost(host) || !Number.isInteger(port) || port <= 0) {
      socket.close(1008, "loopback targets only");
      return;
    }
    const tcp = connect({ host: host.replace(/^\[|\]$/g, ""), port });
    tcp.setNoDelay(true);
    tcp.on("data", (chunk) => socket.send(chunk));
    tcp.on("error", () => socket.terminate());
    tcp.on("close", () => socket.close());
    socket.on("message", (data) => {
      tcp.write(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer));
    });
    socket.on("close", () => tcp.destroy());
    socket.on("error", () => tcp.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // The pipe serves whoever needs it; it must never be the reason a process stays alive.
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
}
