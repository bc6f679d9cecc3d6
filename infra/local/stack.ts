import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { authEnvironment } from "../../functions/auth/config";
import { authorizerEnvironment } from "../../functions/authorizer/config";
import { openDatabase } from "../../functions/db/database";
import { runMigrations } from "../../functions/db/migrate";
import { logRequest } from "../../functions/shared/log";
import { tasksEnvironment } from "../../functions/tasks/config";
import { GATEWAY_MAX_BODY_BYTES } from "../api-gateway-limits";
import { ROUTES } from "../routes";
import { embeddedDatabaseUrl, lockDataDir, readOrCreateLocalSecret } from "./data-dir";
import { createLocalEdge, LOCAL_EDGE_ADDRESS, newOriginSecret } from "./edge";
import { startEmbeddedDatabaseServer } from "./embedded-database-server";
import type { LocalFunctionSpec } from "./function-instance-protocol";
import { createFunctionPool, type FunctionPool, type FunctionPoolStats } from "./function-pool";
import { createLocalGateway, type GatewayRoute, gatewayError } from "./gateway";
import { localFunction } from "./local-functions";
import { type FetchHandler, toNodeListener } from "./node-listener";
import { createOutboxRoutes, OUTBOX_DEFAULT_FROM } from "./outbox";
import { createPlaceholderSite, createStaticSite, type SiteHandler } from "./static-site";

/**
 * The whole product on one origin: the built site at /, the API under /api through the local
 * API Gateway, running the very same Lambda handlers as production (made by the factories the
 * entries call, from the environment each function would get) against PGlite (default, persisted
 * in the data directory) or any Postgres, always through the Neon driver.
 *
 * Each function runs as Lambda runs it: a pool of instances, each a worker thread with its own
 * module state serving one invocation at a time, started on demand with a cold start of its own
 * (see function-pool.ts). The embedded database is one PGlite engine served on a loopback port
 * that every instance reaches with a `postgres://` URL (embedded-database-server.ts).
 */
export const REPOSITORY_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DEFAULT_DATA_DIR = resolve(REPOSITORY_ROOT, ".data");
export const SITE_DIST_DIR = resolve(REPOSITORY_ROOT, "site/dist");
const DEFAULT_PORT = 3000;
const HOST = "127.0.0.1";

export interface ExtraRoutes {
  routes: GatewayRoute[];
  /** Each runs in a pool of its own, like the stack's functions. */
  functions: Record<string, LocalFunctionSpec>;
}

/** Instances per function unless LocalStackOptions.instances says otherwise. */
export const DEFAULT_INSTANCES = 2;
/** Every instance is a thread with its own copy of its function's modules (about 100 MiB). */
export const MAX_INSTANCES = 16;

export interface LocalStackOptions {
  /** 0 = ephemeral; default PORT or 3000. */
  port?: number;
  /** Default pglite:<dataDir>/pglite; `postgres://…` uses the Neon driver. */
  databaseUrl?: string;
  /** Default .data at the repository root. */
  dataDir?: string;
  /** The auth function's secret; default: generated once into <dataDir>/better-auth-secret. */
  secret?: string;
  /** The auth function's rate limits (default on); off only for load tests. */
  rateLimit?: boolean;
  /** Sign-in needs a verified address (default on, as in every stage). */
  emailVerification?: boolean;
  /** Serve site/dist at / (default true); a plain page says the API is up when there is none. */
  serveSite?: boolean;
  /** No per-request log lines. */
  quiet?: boolean;
  /** The origin browsers use when a proxy fronts the stack (npm run dev); default the stack's own. */
  publicUrl?: string;
  /** The static site's directory (default site/dist). */
  siteDir?: string;
  /** The most instances of each function that run at once (default DEFAULT_INSTANCES). */
  instances?: number;
  /**
   * Start one instance of each function before serving (default true), as provisioned
   * concurrency of one would: the first requests find warm instances, and a function that
   * cannot start fails the start with its init error. Further instances start cold.
   */
  warm?: boolean;
  /** Local-only routes on the same gateway, given the URL the functions use (the bench floor route). */
  extraRoutes?: (context: { databaseUrl: string }) => ExtraRoutes;
}

export interface LocalStack {
  /** The origin the stack serves, e.g. http://127.0.0.1:3000. */
  url: string;
  /** Which database it uses, without credentials. */
  databaseLabel: string;
  /** The `postgres://` URL its functions use: the embedded engine's loopback server, or DATABASE_URL. */
  databaseUrl: string;
  /** Migrations applied by this start (0 when the database was up to date). */
  migrationsApplied: number;
  /** Where start-up time went, in milliseconds. */
  timings: { database: number; migrations: number; functions: number; total: number };
  /** Each function's pool: instances alive, cold starts so far, invocations waiting. */
  functions(): Record<string, FunctionPoolStats>;
  close(): Promise<void>;
}

export class PortInUse extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is already in use (another npm start?); set PORT to use another port`);
    this.name = "PortInUse";
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolveListen, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      reject(error.code === "EADDRINUSE" ? new PortInUse(port) : error);
    };
    const onListening = () => {
      server.off("error", onError);
      resolveListen((server.address() as AddressInfo).port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, HOST);
  });
}

/** Fails at once when the port is taken (checked before slow start-up work). */
export async function assertPortFree(port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await listen(probe, port);
  await new Promise<void>((resolveClose) => probe.close(() => resolveClose()));
}

function stopServer(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    if (!server.listening) return resolveClose();
    // In-flight requests get a moment to finish; idle keep-alive sockets close at once.
    const force = setTimeout(() => server.closeAllConnections(), 2_000);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolveClose();
    });
    server.closeIdleConnections();
  });
}

function isApiPath(pathname: string): boolean {
  return pathname === "/api" || pathname.startsWith("/api/");
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const startedAt = performance.now();
  const elapsed = (since: number) => Math.round(performance.now() - since);
  const dataDir = resolve(REPOSITORY_ROOT, options.dataDir ?? DEFAULT_DATA_DIR);
  const databaseUrl = options.databaseUrl ?? embeddedDatabaseUrl(dataDir);
  const port = options.port ?? Number(process.env.PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(
      `PORT must be a number between 0 and 65535, got ${options.port ?? process.env.PORT}`,
    );
  }
  const embeddedDir = databaseUrl.startsWith("pglite:")
    ? resolve(databaseUrl.slice("pglite:".length))
    : undefined;
  // The lock guards what lives in the data directory: the generated secret, the embedded database.
  const insideDataDir =
    embeddedDir !== undefined && !relative(dataDir, embeddedDir).startsWith("..");
  const usesDataDir = options.secret === undefined || insideDataDir;
  const releaseLock = usesDataDir ? await lockDataDir(dataDir) : async () => {};

  // Requests that arrive while the functions start wait for them.
  let ready: (handler: FetchHandler) => void = () => {};
  const handlerReady = new Promise<FetchHandler>((resolveReady) => {
    ready = resolveReady;
  });
  const server = createServer(
    toNodeListener(async (request, info) => (await handlerReady)(request, info), {
      maxBodyBytes: GATEWAY_MAX_BODY_BYTES,
      tooLarge: () => gatewayError(413),
      ...(options.quiet ? {} : { onComplete: (entry) => logRequest("access", entry) }),
    }),
  );

  // Everything opened so far, closed in reverse order on close or on a failed start.
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    // Listen first: the functions need the origin before they start.
    const actualPort = await listen(server, port);
    const ownOrigin = `http://${HOST}:${actualPort}`;
    const origin = (options.publicUrl ?? ownOrigin).replace(/\/$/, "");

    let phase = performance.now();
    // An embedded engine is served on a loopback port; either way the functions get a postgres:// URL.
    const embedded =
      databaseUrl.startsWith("pglite:") || databaseUrl.startsWith("memory:")
        ? await startEmbeddedDatabaseServer(embeddedDir)
        : undefined;
    if (embedded) closers.push(embedded.close);
    const functionsUrl = embedded?.url ?? databaseUrl;
    const database = await openDatabase({ url: functionsUrl, maxConnections: 1 });
    const databaseLabel = embedded?.label ?? database.label;
    const databaseMs = elapsed(phase);
    phase = performance.now();
    const migrations = await runMigrations(database.db).finally(database.close);
    const migrationsMs = elapsed(phase);
    const secret = options.secret ?? (await readOrCreateLocalSecret(dataDir));
    // CloudFront's part: the same origin secret in the edge and in the auth function's config.
    const originSecret = newOriginSecret();
    const edge = createLocalEdge(originSecret);
    phase = performance.now();

    // Each function gets the environment it would get deployed; mail goes to the outbox in the
    // data directory instead of SES. The authorizer fetches the keys from this stack itself, as
    // deployed from the HTTP API.
    const specs: Record<string, LocalFunctionSpec> = {
      auth: localFunction("auth", {
        environment: authEnvironment({
          origin,
          rateLimit: options.rateLimit,
          emailVerification: options.emailVerification,
          mailFrom: OUTBOX_DEFAULT_FROM,
          secret,
          databaseUrl: functionsUrl,
          originSecret,
        }),
        dataDir,
      }),
      api: localFunction("api", { environment: tasksEnvironment({ databaseUrl: functionsUrl }) }),
    };
    const authorizerSpec = localFunction("authorizer", {
      environment: authorizerEnvironment({ origin, jwksUrl: `${ownOrigin}/api/auth/jwks` }),
    });
    const extra = options.extraRoutes?.({ databaseUrl: functionsUrl }) ?? {
      routes: [],
      functions: {},
    };
    const instances = options.instances ?? DEFAULT_INSTANCES;
    const open = (name: string, spec: LocalFunctionSpec): FunctionPool => {
      const pool = createFunctionPool({ name, spec, instances });
      closers.push(pool.close);
      return pool;
    };
    const integrations = Object.fromEntries(
      Object.entries({ ...specs, ...extra.functions }).map(([name, spec]) => [
        name,
        open(name, spec),
      ]),
    );
    const authorizer = open("authorizer", authorizerSpec);
    const pools = { ...integrations, authorizer };
    if (options.warm !== false) await Promise.all(Object.values(pools).map((pool) => pool.warm()));
    // The inbox pages exist only here: neither the route table nor any stage has them.
    const outbox = createOutboxRoutes(dataDir);
    const functionsMs = elapsed(phase);
    const gateway = createLocalGateway({
      routes: [...ROUTES, ...extra.routes],
      functions: Object.fromEntries(
        Object.entries(integrations).map(([name, pool]) => [name, pool.invoke]),
      ),
      authorizer: authorizer.invoke,
    });

    const siteDir = options.siteDir ?? SITE_DIST_DIR;
    const site: SiteHandler | undefined =
      options.serveSite === false
        ? undefined
        : existsSync(resolve(siteDir, "index.html"))
          ? createStaticSite(siteDir)
          : createPlaceholderSite();

    ready(async (request, info) => {
      const inbox = await outbox(request);
      if (inbox) return inbox;
      if (isApiPath(new URL(request.url).pathname)) {
        return gateway.fetch(edge(request, info.sourceIp), { sourceIp: LOCAL_EDGE_ADDRESS });
      }
      if (site) return site(request);
      return new Response("Not Found", {
        status: 404,
        headers: { "content-type": "text/plain", "x-content-type-options": "nosniff" },
      });
    });

    let closing: Promise<void> | undefined;
    return {
      url: ownOrigin,
      databaseLabel,
      databaseUrl: functionsUrl,
      migrationsApplied: migrations.applied,
      timings: {
        database: databaseMs,
        migrations: migrationsMs,
        functions: functionsMs,
        total: elapsed(startedAt),
      },
      functions: () =>
        Object.fromEntries(Object.entries(pools).map(([name, pool]) => [name, pool.stats()])),
      close: () => {
        closing ??= (async () => {
          await stopServer(server);
          await closeAll();
          await releaseLock();
        })();
        return closing;
      },
    };
  } catch (error) {
    await stopServer(server);
    await closeAll().catch(() => undefined);
    await releaseLock();
    throw error;
  }
}
