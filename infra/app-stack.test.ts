import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { CfnDistribution } from "aws-cdk-lib/aws-cloudfront";
import type { CfnFunction } from "aws-cdk-lib/aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { authConfig, authEnvironment } from "../functions/auth/config";
import { authorizerConfig, authorizerEnvironment } from "../functions/authorizer/config";
import { ORIGIN_VERIFY_HEADER, VIEWER_ADDRESS_HEADER } from "../functions/shared/client-address";
import { environmentOf, secretVariables } from "../functions/shared/config";
import { apiAudience, databaseUrl } from "../functions/shared/settings";
import { lambdaId, lambdaLogGroupName, siteBuildDirectory } from "./app-stack";
import {
  FUNCTION_CONFIGS,
  FUNCTION_ENTRIES,
  LAMBDA_SIZING,
  type LambdaName,
  MIGRATIONS_BUNDLE_PATH,
  MIGRATIONS_SOURCE,
} from "./function-settings";
import { ROUTES } from "./routes";
import {
  API_SECURITY_HEADERS,
  SITE_CONTENT_SECURITY_POLICY,
  SITE_SECURITY_HEADERS,
  securityHeaderFields,
} from "./security-headers";
import { listSitePages, NOT_FOUND_PAGE } from "./site-router";
import { DEFAULT_WAF_RATE_LIMIT, stageSettings } from "./stage-settings";
import {
  assetDirectory,
  constructApp,
  REQUIRED_TEST_SETTINGS,
  type SynthesizedApp,
  synthesizeApp,
  TEST_ACCOUNT,
  TEST_REGION,
} from "./synthesize";
import {
  dependencyGraph,
  findCycle,
  type CfnResource as TemplateResource,
  transitiveDependencies,
} from "./template-graph";
import { viewerAddressCode } from "./viewer-address";

const STAGE = "test";
const LAMBDAS = Object.keys(FUNCTION_ENTRIES) as LambdaName[];

/**
 * Minified ESM bytes a cold start loads (the handler `.mjs` and every chunk it imports
 * statically; source maps and lazily imported chunks excluded), measured then set about 5% above
 * so a heavy new import fails here instead of in a slow cold start. The three database functions
 * carry the Neon driver and drizzle (the embedded PGlite engine is external and only loaded by
 * `npm start` and tests; the AWS SDK comes with the runtime); the authorizer carries jose and
 * zod/mini; every function carries Powertools Logger and Metrics (about 39 KiB together).
 */
const BUNDLE_BUDGET_BYTES: Record<LambdaName, number> = {
  // 80.9 KiB: jose, zod/mini for its settings (16.6 KiB), Powertools (42.0 KiB before it)
  authorizer: 85 * 1024,
  // 949.5 KiB in 4 files (1126 KiB before better-auth/minimal dropped Kysely)
  auth: 1000 * 1024,
  // 618.9 KiB in 4 files, the OpenAPI document's module left to its first request (844 KiB with
  // zod's translations and the SSM client inlined)
  api: 650 * 1024,
  migrate: 368 * 1024, // 349.5 KiB in 3 files (zod/mini for its settings: 17 KiB)
};

/**
 * The auth function's chunks: measured 1848 KiB, of which the zxcvbn common and English
 * dictionaries are 1594 KiB, the rest Better Auth's optional dialects and adapters.
 */
const AUTH_CHUNKS_BUDGET_BYTES = 1_940 * 1024;

const CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
const ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
/** The managed SecurityHeadersPolicy: no CSP, SAMEORIGIN framing; replaced by the template's own. */
const MANAGED_SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03";

type Json = Record<string, unknown>;
type Resources = Record<string, TemplateResource>;

let synth: SynthesizedApp;
let resources: Resources;
let outputs: Record<string, { Value: unknown }>;

beforeAll(async () => {
  synth = await synthesizeApp(STAGE);
  const json = synth.template.toJSON() as { Resources: Resources; Outputs: typeof outputs };
  resources = json.Resources;
  outputs = json.Outputs;
  console.log(
    `synthesized ${synth.stackName} with bundles and site build in ${synth.durationMs} ms`,
  );
}, 240_000);

function ofType(type: string): [string, TemplateResource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

function only(type: string): [string, TemplateResource] {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return found[0] as [string, TemplateResource];
}

function props(resource: TemplateResource): Json {
  return (resource.Properties ?? {}) as Json;
}

/**
 * The template of a stage built without bundling (construct tree, then synthesis); it reuses the
 * site build the full synthesis made, so call it only after `beforeAll`.
 */
async function templateOf(
  stage: string,
  settings: Parameters<typeof constructApp>[1] = {},
  region?: string,
): Promise<{ Resources: Resources }> {
  const { stack } = await constructApp(stage, settings, region);
  return Template.fromStack(stack).toJSON() as { Resources: Resources };
}

/** What CloudFormation resolves to a secret's value at deploy time. */
function secretReference(secretId: string): Json {
  return {
    "Fn::Join": ["", ["{{resolve:secretsmanager:", { Ref: secretId }, ":SecretString:::}}"]],
  };
}

/** The two origin secrets: the one the distribution sends, and the next rotation's. */
function originSecretIds(of: Resources = resources): { current: string; next: string } {
  const ids = Object.entries(of)
    .filter(([, r]) => r.Type === "AWS::SecretsManager::Secret")
    .map(([id]) => id);
  expect(ids).toHaveLength(2);
  const distribution = JSON.stringify(
    Object.values(of).filter((r) => r.Type === "AWS::CloudFront::Distribution"),
  );
  const sent = ids.filter((id) => distribution.includes(`{"Ref":"${id}"}`));
  expect(sent).toHaveLength(1);
  const [current] = sent as [string];
  return { current, next: ids.find((id) => id !== current) as string };
}

/** Logical id of a project Lambda, found by its handler (never by CDK's hashed id). */
function lambdaLogicalId(name: LambdaName): string {
  const handler = FUNCTION_ENTRIES[name].replace(/\.ts$/, ".handler");
  const matches = ofType("AWS::Lambda::Function").filter(([, r]) => props(r).Handler === handler);
  expect(matches, handler).toHaveLength(1);
  const [id] = matches[0] as [string, TemplateResource];
  expect(id.startsWith(lambdaId(name))).toBe(true);
  return id;
}

function environment(name: LambdaName): Record<string, unknown> {
  const env = props(resources[lambdaLogicalId(name)] as TemplateResource).Environment as
    | { Variables: Record<string, unknown> }
    | undefined;
  return env?.Variables ?? {};
}

function bundleDirectory(name: LambdaName): string {
  const code = props(resources[lambdaLogicalId(name)] as TemplateResource).Code as {
    S3Key: string;
  };
  return assetDirectory(synth.assemblyDirectory, code.S3Key);
}

function handlerBundle(name: LambdaName): string {
  return join(bundleDirectory(name), FUNCTION_ENTRIES[name].replace(/\.ts$/, ".mjs"));
}

/** The entry and every chunk it imports statically (`import … from "./chunk.mjs"`, not `import(…)`). */
function coldLoadedFiles(name: LambdaName): string[] {
  const loaded = new Set<string>();
  const pending = [handlerBundle(name)];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (loaded.has(file)) continue;
    loaded.add(file);
    const code = readFileSync(file, "utf8");
    for (const [, chunk] of code.matchAll(
      /\bimport\s*(?:[\w$*{},\s]+from\s*)?["'](\.\/[^"']+)["']/g,
    )) {
      pending.push(join(dirname(file), chunk as string));
    }
  }
  return [...loaded];
}

/** The entry and, for a split function, every chunk beside it. */
function bundleFiles(name: LambdaName): string[] {
  const dir = dirname(handlerBundle(name));
  return readdirSync(dir)
    .filter((file) => file.endsWith(".mjs"))
    .map((file) => join(dir, file));
}

/** The modules esbuild put into the entry alone, or into the entry and its chunks. */
function bundledSources(name: LambdaName, which: "entry" | "all"): string[] {
  const files = which === "entry" ? [handlerBundle(name)] : bundleFiles(name);
  return files.flatMap(
    (file) => (JSON.parse(readFileSync(`${file}.map`, "utf8")) as { sources: string[] }).sources,
  );
}

/** The IAM statements of every policy attached to a Lambda's execution role. */
function roleStatements(name: LambdaName): Json[] {
  const role = (props(resources[lambdaLogicalId(name)] as TemplateResource).Role as Json)[
    "Fn::GetAtt"
  ] as string[];
  const roleId = role[0] as string;
  return ofType("AWS::IAM::Policy")
    .filter(([, r]) => JSON.stringify(props(r).Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(([, r]) => (props(r).PolicyDocument as { Statement: Json[] }).Statement);
}

const ssmParameterArn = (secret: string) => ({
  "Fn::Join": [
    "",
    [
      "arn:",
      { Ref: "AWS::Partition" },
      `:ssm:us-east-1:${TEST_ACCOUNT}:parameter/sst/auth-jwt-bridge/${STAGE}/Secret/${secret}/value`,
    ],
  ],
});
const ssmFallbackArn = (secret: string) => ({
  "Fn::Join": [
    "",
    [
      "arn:",
      { Ref: "AWS::Partition" },
      `:ssm:us-east-1:${TEST_ACCOUNT}:parameter/sst/auth-jwt-bridge/.fallback/Secret/${secret}/value`,
    ],
  ],
});

const SECRETS_BY_LAMBDA: Record<LambdaName, string[]> = {
  auth: [databaseUrl.variable, authConfig.settings.secret.variable],
  api: [databaseUrl.variable],
  migrate: [databaseUrl.variable],
  authorizer: [],
};
const ALL_SECRETS = [...new Set(Object.values(SECRETS_BY_LAMBDA).flat())];

describe("JWT authorizer and routes", () => {
  it("is a Lambda REQUEST authorizer, payload 2.0, simple responses, Authorization header, 60 s cache", () => {
    const [, authorizer] = only("AWS::ApiGatewayV2::Authorizer");
    expect(props(authorizer)).toMatchObject({
      AuthorizerType: "REQUEST",
      AuthorizerPayloadFormatVersion: "2.0",
      EnableSimpleResponses: true,
      IdentitySource: ["$request.header.Authorization"],
      AuthorizerResultTtlInSeconds: stageSettings(STAGE, REQUIRED_TEST_SETTINGS)
        .authorizerCacheTtlSeconds,
    });
    expect(props(authorizer).AuthorizerResultTtlInSeconds).toBe(60);
    expect(JSON.stringify(props(authorizer).AuthorizerUri)).toContain(
      lambdaLogicalId("authorizer"),
    );
  });

  it("deploys exactly the routes of the shared table the local gateway serves", () => {
    const deployed = ofType("AWS::ApiGatewayV2::Route").map(([, r]) => props(r).RouteKey as string);
    expect(deployed.sort()).toEqual(ROUTES.map((route) => route.key).sort());
  });

  it.each(ROUTES)("$key → $function, authorization $auth", (route) => {
    const [, deployed] = ofType("AWS::ApiGatewayV2::Route").find(
      ([, r]) => props(r).RouteKey === route.key,
    ) as [string, TemplateResource];
    const [authorizerId] = only("AWS::ApiGatewayV2::Authorizer");
    if (route.auth === "jwt") {
      expect(props(deployed).AuthorizationType).toBe("CUSTOM");
      expect(props(deployed).AuthorizerId).toEqual({ Ref: authorizerId });
    } else {
      expect(props(deployed).AuthorizationType).toBe("NONE");
      expect(props(deployed).AuthorizerId).toBeUndefined();
    }
    const target = JSON.stringify(props(deployed).Target);
    const integrationId = (target.match(/"Ref":"([A-Za-z0-9]+)"/) ?? [])[1] as string;
    const integration = props(resources[integrationId] as TemplateResource);
    expect(integration).toMatchObject({
      IntegrationType: "AWS_PROXY",
      PayloadFormatVersion: "2.0",
    });
    expect(integration.IntegrationUri).toEqual({
      "Fn::GetAtt": [lambdaLogicalId(route.function), "Arn"],
    });
  });

  it("throttles every route at the stage", () => {
    const [, stage] = only("AWS::ApiGatewayV2::Stage");
    const { rate, burst } = stageSettings(STAGE, REQUIRED_TEST_SETTINGS).throttle;
    expect(props(stage).DefaultRouteSettings).toEqual({
      ThrottlingBurstLimit: burst,
      ThrottlingRateLimit: rate,
    });
    expect(props(stage).AccessLogSettings).toBeDefined();
  });
});

describe("functions", () => {
  it.each(LAMBDAS)(
    "%s: nodejs24.x on arm64, sized, own log group with retention, no X-Ray",
    (name) => {
      const fn = props(resources[lambdaLogicalId(name)] as TemplateResource);
      expect(fn).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        Handler: FUNCTION_ENTRIES[name].replace(/\.ts$/, ".handler"),
        MemorySize: LAMBDA_SIZING[name].memorySize,
        Timeout: LAMBDA_SIZING[name].timeout,
      });
      expect(fn.TracingConfig).toBeUndefined();
      const logGroupId = ((fn.LoggingConfig as Json).LogGroup as { Ref: string }).Ref;
      expect(props(resources[logGroupId] as TemplateResource)).toEqual({
        LogGroupName: lambdaLogGroupName(STAGE, "auth-jwt-bridge", name),
        RetentionInDays: 7,
        Tags: expect.any(Array),
      });
      expect(environment(name).NODE_OPTIONS).toBe("--enable-source-maps");
    },
  );

  it.each(LAMBDAS)("%s: bundled as one minified ES module with its source map", (name) => {
    const file = handlerBundle(name);
    const code = readFileSync(file, "utf8");
    expect(code).toMatch(/^import /m);
    expect(code).toMatch(/export\s*\{[^}]*\bas handler\b[^}]*\}|export\s*\{\s*handler\b/);
    expect(code).not.toMatch(/\brequire\(["']\.\.?\//);
    // Minified: lines thousands of characters long on average, not source formatting.
    expect(code.length / code.split("\n").length).toBeGreaterThan(1000);
    expect(code).toContain(
      `sourceMappingURL=${FUNCTION_ENTRIES[name].split("/").pop()?.replace(/\.ts$/, ".mjs")}.map`,
    );
    expect(statSync(`${file}.map`).size).toBeGreaterThan(0);
  });

  it.each(LAMBDAS)("%s: what a cold start loads stays within its bundle-size budget", (name) => {
    const files = coldLoadedFiles(name);
    const bytes = files.reduce((sum, file) => sum + statSync(file).size, 0);
    console.log(
      `bundle ${name}: ${files.length} files, ${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB), budget ${BUNDLE_BUDGET_BYTES[name]}`,
    );
    expect(bytes).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES[name]);
  });

  it.each(LAMBDAS)("%s: a cold start loads no SSM client, local pipe or Kysely", (name) => {
    // SST's config (and with it the SSM client) loads only for a secret not in the environment;
    // the WebSocket pipe serves only servers on this machine; the drizzle adapter needs no Kysely.
    for (const file of coldLoadedFiles(name)) {
      const code = readFileSync(file, "utf8");
      expect(code, file).not.toMatch(/\bfrom\s*["']@aws-sdk\/client-ssm["']/);
    }
    const loaded = coldLoadedFiles(name).flatMap(
      (file) => (JSON.parse(readFileSync(`${file}.map`, "utf8")) as { sources: string[] }).sources,
    );
    expect(
      loaded.filter((source) => /node_modules\/kysely\/|local-websocket-pipe\.ts$/.test(source)),
    ).toEqual([]);
  });

  it.each(LAMBDAS)("%s: carries zod's English messages only", (name) => {
    const locales = bundledSources(name, "all").filter((source) =>
      /zod\/v4\/locales\/(?!index\.js$)/.test(source),
    );
    expect(
      locales.every((source) => source.endsWith("/zod/v4/locales/en.js")),
      locales.join(", "),
    ).toBe(true);
  });

  it.each(LAMBDAS)("%s: carries no dev, test or tooling module", (name) => {
    // The source maps list every module esbuild put into the entry and its chunks.
    const sources = bundledSources(name, "all");
    const own = sources.filter((source) => !source.includes("node_modules/"));
    expect(own.length).toBeGreaterThan(0);
    for (const source of own) expect(source, source).toMatch(/(^|\/)functions\//);
    const tooling =
      /node_modules\/(vitest|@vitest|playwright-core|@electric-sql|tsx|esbuild|sst\/(?!node\/))/;
    expect(sources.filter((source) => tooling.test(source))).toEqual([]);
  });

  it.each(LAMBDAS)("%s: leaves the embedded PGlite engine out of the bundle", (name) => {
    for (const file of bundleFiles(name)) {
      expect(readFileSync(file, "utf8"), file).not.toMatch(/pglite\.wasm|initdb\.wasm/);
    }
  });

  it.each(LAMBDAS)("%s: leaves the AWS SDK to the runtime", (name) => {
    expect(bundledSources(name, "all").filter((source) => source.includes("@aws-sdk/"))).toEqual(
      [],
    );
  });

  it("auth: the password dictionaries are a chunk of their own, outside what a cold start loads", () => {
    const dictionaries = /@zxcvbn-ts\/language-(common|en)\//;
    expect(bundledSources("auth", "entry").filter((source) => dictionaries.test(source))).toEqual(
      [],
    );
    expect(bundledSources("auth", "all").some((source) => dictionaries.test(source))).toBe(true);
    const chunks = bundleFiles("auth").filter((file) => file !== handlerBundle("auth"));
    const bytes = chunks.reduce((sum, file) => sum + statSync(file).size, 0);
    console.log(`auth chunks: ${chunks.length} files, ${(bytes / 1024).toFixed(1)} KiB`);
    expect(bytes).toBeLessThanOrEqual(AUTH_CHUNKS_BUDGET_BYTES);
  });

  it("the authorizer bundle has no database driver and no SSM client", () => {
    const code = readFileSync(handlerBundle("authorizer"), "utf8");
    expect(BUNDLE_BUDGET_BYTES.authorizer).toBeLessThan(100 * 1024);
    expect(code).not.toMatch(/neondatabase|drizzle|GetParametersCommand|PGlite/);
  });
});

describe("the environment contract", () => {
  // Stand-ins for the deploy-time values, so the builders can say what each variable must hold.
  const SITE = "https://site.invalid";
  const API = "https://api.invalid";
  const ORIGIN_SECRET = "<the stage's origin secret>";
  const NEXT_ORIGIN_SECRET = "<the next rotation's origin secret>";
  const cloudFrontOrigin = () => {
    const [distributionId] = only("AWS::CloudFront::Distribution");
    return { "Fn::Join": ["", ["https://", { "Fn::GetAtt": [distributionId, "DomainName"] }]] };
  };
  /** What CloudFormation holds for a value built from a stand-in URL. */
  const inTemplate = (value: string): unknown => {
    const [distributionId] = only("AWS::CloudFront::Distribution");
    const [apiId] = only("AWS::ApiGatewayV2::Api");
    const rest = (prefix: string) => (value === prefix ? [] : [value.slice(prefix.length)]);
    if (value.startsWith(SITE)) {
      const domain = { "Fn::GetAtt": [distributionId, "DomainName"] };
      return { "Fn::Join": ["", ["https://", domain, ...rest(SITE)]] };
    }
    if (value.startsWith(API)) {
      return { "Fn::Join": ["", [{ "Fn::GetAtt": [apiId, "ApiEndpoint"] }, ...rest(API)]] };
    }
    if (value === ORIGIN_SECRET) return secretReference(originSecretIds().current);
    if (value === NEXT_ORIGIN_SECRET) return secretReference(originSecretIds().next);
    return value;
  };
  /** The function's own variables (SST adds its own beside them), exactly as the builder made them. */
  const expectEnvironment = (name: LambdaName, expected: Record<string, string>) => {
    const declared = Object.values(FUNCTION_CONFIGS[name].settings).map((s) => s.variable);
    const env = environment(name);
    const own = Object.fromEntries(declared.filter((v) => v in env).map((v) => [v, env[v]]));
    const wanted = Object.entries(expected).map(([variable, value]) => [
      variable,
      inTemplate(value),
    ]);
    expect(own).toEqual(Object.fromEntries(wanted));
  };

  it("auth: base URL, trusted origin and issuer are the CloudFront origin; audience is /api under it; limits on; the origin secret by reference", () => {
    expect(apiAudience(SITE)).toBe(`${SITE}/api`);
    expectEnvironment(
      "auth",
      authEnvironment({
        origin: SITE,
        originSecret: ORIGIN_SECRET,
        nextOriginSecret: NEXT_ORIGIN_SECRET,
        mailFrom: "no-reply@example.com",
        mailSesRegion: TEST_REGION,
      }),
    );
    expect(environment("auth")).not.toHaveProperty(authConfig.settings.rateLimit.variable);
    expect(environment("auth")).not.toHaveProperty(authConfig.settings.emailVerification.variable);
  });

  it("authorizer: JWKS from the HTTP API's own URL (no CloudFront hop), same issuer and audience", () => {
    expectEnvironment(
      "authorizer",
      authorizerEnvironment({ origin: SITE, jwksUrl: `${API}/api/auth/jwks` }),
    );
  });

  it.each(["api", "migrate"] as const)(
    "%s: no variables of its own (the runtime and SST give them)",
    (name) => {
      expectEnvironment(name, {});
    },
  );

  it("outputs the site URL and the API URL", () => {
    const [apiId] = only("AWS::ApiGatewayV2::Api");
    expect(outputs.SiteUrl?.Value).toEqual(cloudFrontOrigin());
    expect(outputs.ApiUrl?.Value).toEqual({ "Fn::GetAtt": [apiId, "ApiEndpoint"] });
  });
});

describe("secrets and IAM", () => {
  it.each(LAMBDAS)("%s: receives exactly the secrets it uses", (name) => {
    const bound = Object.keys(environment(name))
      .filter((key) => key.startsWith("SST_Secret_value_"))
      .map((key) => key.replace("SST_Secret_value_", ""));
    expect(bound.sort()).toEqual([...SECRETS_BY_LAMBDA[name]].sort());
    expect(secretVariables(FUNCTION_CONFIGS[name]).sort()).toEqual(bound);
    // A secret's value never sits in a plain variable.
    for (const secret of ALL_SECRETS) expect(environment(name)).not.toHaveProperty(secret);
  });

  it.each(LAMBDAS)("%s: may read only its own secrets' SSM parameters, nothing else", (name) => {
    const statements = roleStatements(name);
    const expected = SECRETS_BY_LAMBDA[name].map((secret) => ({
      Action: "ssm:GetParameters",
      Effect: "Allow",
      Resource: [ssmParameterArn(secret), ssmFallbackArn(secret)],
    }));
    expect(statements.filter((statement) => statement.Action !== "ses:SendEmail")).toEqual(
      expected,
    );
  });

  it("creates the stage's SES identity from MAIL_IDENTITY, and only auth may send from it", () => {
    const [identityId, identity] = only("AWS::SES::EmailIdentity");
    expect(props(identity).EmailIdentity).toBe("example.com");
    const sending = (name: LambdaName) =>
      roleStatements(name).filter((statement) => JSON.stringify(statement).includes("ses:"));
    expect(sending("auth")).toEqual([
      {
        Action: "ses:SendEmail",
        Effect: "Allow",
        Resource: {
          "Fn::Join": [
            "",
            [
              "arn:",
              { Ref: "AWS::Partition" },
              `:ses:${TEST_REGION}:${TEST_ACCOUNT}:identity/`,
              { Ref: identityId },
            ],
          ],
        },
      },
    ]);
    for (const name of LAMBDAS.filter((lambda) => lambda !== "auth")) {
      expect(sending(name), name).toEqual([]);
    }
    expect(environment("auth")).toMatchObject({
      [authConfig.settings.mailFrom.variable]: "no-reply@example.com",
      [authConfig.settings.mailSesRegion.variable]: TEST_REGION,
    });
  });

  it("has no local inbox: no /_dev route, behaviour or path anywhere in the stage", () => {
    expect(JSON.stringify(synth.template.toJSON())).not.toContain("_dev");
  });

  it("no project Lambda role has a `*` resource or action, and the authorizer has no policy at all", () => {
    for (const name of LAMBDAS) {
      for (const statement of roleStatements(name)) {
        const resources = [statement.Resource].flat();
        expect(
          resources.some((r) => typeof r === "string" && r.includes("*")),
          name,
        ).toBe(false);
        expect(JSON.stringify(statement.Action)).not.toContain("*");
      }
      const role = resources[
        (
          (props(resources[lambdaLogicalId(name)] as TemplateResource).Role as Json)[
            "Fn::GetAtt"
          ] as string[]
        )[0] as string
      ] as TemplateResource;
      expect(JSON.stringify(props(role).ManagedPolicyArns)).toContain(
        "AWSLambdaBasicExecutionRole",
      );
      expect(props(role).Policies).toBeUndefined();
    }
    expect(roleStatements("authorizer")).toEqual([]);
  });
});

describe("migrations at deploy", () => {
  it("the Script runs the migrate function on create and on update, never on delete", () => {
    const [, script] = only("Custom::SSTScript");
    const migrate = lambdaLogicalId("migrate");
    expect(props(script).UserCreateFunction).toEqual({ Ref: migrate });
    expect(props(script).UserUpdateFunction).toEqual({ Ref: migrate });
    expect(props(script).UserDeleteFunction).toBeUndefined();
    // The version changes on every synth so the script runs on every deploy; only its shape is stable.
    expect(props(script).Version).toMatch(/^\d{13}$/);
  });

  it("the migration files are inside the migrate bundle, byte for byte", () => {
    const bundled = join(bundleDirectory("migrate"), MIGRATIONS_BUNDLE_PATH);
    const files = (dir: string, prefix = ""): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? files(join(dir, entry.name), `${prefix}${entry.name}/`)
          : [`${prefix}${entry.name}`],
      );
    const source = files(MIGRATIONS_SOURCE).sort();
    expect(source).toContain("0000_init.sql");
    expect(source).toContain("meta/_journal.json");
    expect(files(bundled).sort()).toEqual(source);
    for (const file of source) {
      expect(readFileSync(join(bundled, file), "utf8"), file).toBe(
        readFileSync(join(MIGRATIONS_SOURCE, file), "utf8"),
      );
    }
  });

  it("the auth and API functions deploy only after the migrations ran", () => {
    const [scriptId] = only("Custom::SSTScript");
    for (const name of ["auth", "api"] as const) {
      expect([resources[lambdaLogicalId(name)]?.DependsOn].flat()).toContain(scriptId);
    }
  });
});

describe("one origin through CloudFront", () => {
  const distribution = () =>
    props(only("AWS::CloudFront::Distribution")[1]).DistributionConfig as Json;

  it("forwards /api/* to the HTTP API: all methods, no caching, all headers but Host, cookies, query", () => {
    const behaviours = distribution().CacheBehaviors as Json[];
    expect(behaviours).toHaveLength(1);
    const api = behaviours[0] as Json;
    expect(api).toMatchObject({
      PathPattern: "/api/*",
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
      ViewerProtocolPolicy: "https-only",
    });
    expect((api.AllowedMethods as string[]).sort()).toEqual([
      "DELETE",
      "GET",
      "HEAD",
      "OPTIONS",
      "PATCH",
      "POST",
      "PUT",
    ]);
    const origin = (distribution().Origins as Json[]).find(
      (o) => o.Id === api.TargetOriginId,
    ) as Json;
    const [apiId] = only("AWS::ApiGatewayV2::Api");
    expect(origin.DomainName).toEqual({
      "Fn::Join": ["", [{ Ref: apiId }, ".execute-api.us-east-1.", { Ref: "AWS::URLSuffix" }]],
    });
    expect(origin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: "https-only" });
  });

  /** The SecurityHeadersConfig of the response headers policy a behaviour references. */
  const securityHeadersOf = (behaviour: Json): Json => {
    const { Ref: policyId } = behaviour.ResponseHeadersPolicyId as { Ref: string };
    const policy = resources[policyId] as TemplateResource;
    expect(policy.Type).toBe("AWS::CloudFront::ResponseHeadersPolicy");
    const config = props(policy).ResponseHeadersPolicyConfig as Json;
    expect(config.CustomHeadersConfig).toBeUndefined();
    return config.SecurityHeadersConfig as Json;
  };
  /** Reads a SecurityHeadersConfig back as the header fields CloudFront sends. */
  const fieldsOf = (config: Json): Record<string, string> => {
    const csp = config.ContentSecurityPolicy as { ContentSecurityPolicy: string } | undefined;
    const frame = config.FrameOptions as { FrameOption: string };
    const referrer = config.ReferrerPolicy as { ReferrerPolicy: string };
    const hsts = config.StrictTransportSecurity as {
      AccessControlMaxAgeSec: number;
      IncludeSubdomains?: boolean;
      Preload?: boolean;
    };
    return {
      ...(csp ? { "content-security-policy": csp.ContentSecurityPolicy } : {}),
      ...(config.ContentTypeOptions ? { "x-content-type-options": "nosniff" } : {}),
      "x-frame-options": frame.FrameOption,
      "referrer-policy": referrer.ReferrerPolicy,
      "strict-transport-security": [
        `max-age=${hsts.AccessControlMaxAgeSec}`,
        ...(hsts.IncludeSubdomains ? ["includeSubDomains"] : []),
        ...(hsts.Preload ? ["preload"] : []),
      ].join("; "),
    };
  };
  const overridesAll = (config: Json) => {
    for (const [name, header] of Object.entries(config)) {
      expect((header as { Override?: boolean }).Override, name).toBe(true);
    }
  };

  it("the site's behaviour sends the shared site header set: CSP without inline code, DENY, referrer policy, nosniff, HSTS", () => {
    expect(ofType("AWS::CloudFront::ResponseHeadersPolicy")).toHaveLength(2);
    const site = distribution().DefaultCacheBehavior as Json;
    expect(site.ResponseHeadersPolicyId).not.toBe(MANAGED_SECURITY_HEADERS);
    const config = securityHeadersOf(site);
    expect(Object.keys(config).sort()).toEqual([
      "ContentSecurityPolicy",
      "ContentTypeOptions",
      "FrameOptions",
      "ReferrerPolicy",
      "StrictTransportSecurity",
    ]);
    overridesAll(config);
    // The very fields the local static site sends, plus HSTS (https only).
    expect(fieldsOf(config)).toEqual(securityHeaderFields(SITE_SECURITY_HEADERS, { https: true }));
    const csp = fieldsOf(config)["content-security-policy"] ?? "";
    expect(csp).toBe(SITE_CONTENT_SECURITY_POLICY);
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ]) {
      expect(csp.split("; "), directive).toContain(directive);
    }
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|http:/);
    expect(fieldsOf(config)).toMatchObject({
      "x-frame-options": "DENY",
      "referrer-policy": "strict-origin-when-cross-origin",
      "x-content-type-options": "nosniff",
      "strict-transport-security": "max-age=63072000",
    });
  });

  it("/api/* sends nosniff, DENY, the referrer policy and HSTS on every answer, and no CSP", () => {
    const [api] = distribution().CacheBehaviors as Json[];
    const config = securityHeadersOf(api as Json);
    expect(Object.keys(config).sort()).toEqual([
      "ContentTypeOptions",
      "FrameOptions",
      "ReferrerPolicy",
      "StrictTransportSecurity",
    ]);
    overridesAll(config);
    // The very fields the local gateway adds, plus HSTS (https only).
    expect(fieldsOf(config)).toEqual(securityHeaderFields(API_SECURITY_HEADERS, { https: true }));
    expect(fieldsOf(config)).toEqual({
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "referrer-policy": "strict-origin-when-cross-origin",
      "strict-transport-security": "max-age=63072000",
    });
  });

  it("has no distribution-wide error responses, so the API's 401/403/404 JSON passes unchanged", () => {
    expect(distribution().CustomErrorResponses).toBeUndefined();
  });

  it("the site's default behaviour runs the router on viewer request and response, with the built pages", () => {
    const [routerId, router] = ofType("AWS::CloudFront::Function").find(([id]) =>
      id.startsWith("SiteRouter"),
    ) as [string, TemplateResource];
    // The router and the /api/* viewer-address function; StaticSite's own one is removed.
    expect(ofType("AWS::CloudFront::Function")).toHaveLength(2);
    const associations = (distribution().DefaultCacheBehavior as Json)
      .FunctionAssociations as Json[];
    expect(associations).toEqual([
      { EventType: "viewer-request", FunctionARN: { "Fn::GetAtt": [routerId, "FunctionARN"] } },
      { EventType: "viewer-response", FunctionARN: { "Fn::GetAtt": [routerId, "FunctionARN"] } },
    ]);
    expect((props(router).FunctionConfig as Json).Runtime).toBe("cloudfront-js-2.0");
    const code = props(router).FunctionCode as string;
    const pages = listSitePages(siteBuildDirectory());
    expect(pages).toContain(NOT_FOUND_PAGE);
    expect(code).toContain(JSON.stringify(Object.fromEntries(pages.map((page) => [page, 1]))));
    const route = new Function(`${code}\nreturn handler;`)() as (event: Json) => Json;
    expect(route({ context: { eventType: "viewer-request" }, request: { uri: "/nope" } }).uri).toBe(
      NOT_FOUND_PAGE,
    );
  });
});

describe("the client address: set at the edge, proven by the origin secret", () => {
  const distribution = () =>
    props(only("AWS::CloudFront::Distribution")[1]).DistributionConfig as Json;
  const apiBehaviour = () => (distribution().CacheBehaviors as Json[])[0] as Json;
  const apiOrigin = () =>
    (distribution().Origins as Json[]).find((o) => o.Id === apiBehaviour().TargetOriginId) as Json;

  it("/api/* runs a viewer-request function that sets the viewer address from event.viewer.ip", () => {
    const [functionId, fn] = ofType("AWS::CloudFront::Function").find(([id]) =>
      id.startsWith("ApiViewerAddress"),
    ) as [string, TemplateResource];
    expect(apiBehaviour().FunctionAssociations).toEqual([
      { EventType: "viewer-request", FunctionARN: { "Fn::GetAtt": [functionId, "FunctionARN"] } },
    ]);
    expect((props(fn).FunctionConfig as Json).Runtime).toBe("cloudfront-js-2.0");
    const code = props(fn).FunctionCode as string;
    expect(code).toBe(viewerAddressCode());
    expect(code).toContain(`headers["${VIEWER_ADDRESS_HEADER}"] = { value: event.viewer.ip }`);
    const handler = new Function(`${code}\nreturn handler;`)() as (event: Json) => Json;
    const forged = { [VIEWER_ADDRESS_HEADER]: { value: "192.0.2.1" } };
    const request = handler({
      viewer: { ip: "2001:db8::5" },
      request: { uri: "/api/tasks", headers: forged },
    });
    expect((request.headers as Json)[VIEWER_ADDRESS_HEADER]).toEqual({ value: "2001:db8::5" });
  });

  it("the API origin sends the current origin secret as a custom header, from generated Secrets Manager secrets", () => {
    const { current } = originSecretIds();
    expect(apiOrigin().OriginCustomHeaders).toEqual([
      { HeaderName: ORIGIN_VERIFY_HEADER, HeaderValue: secretReference(current) },
    ]);
    for (const [id, secret] of ofType("AWS::SecretsManager::Secret")) {
      expect(props(secret).GenerateSecretString, id).toEqual({
        ExcludePunctuation: true,
        PasswordLength: 64,
      });
      expect(props(secret).SecretString, id).toBeUndefined();
    }
  });

  it("the auth function holds the same reference and the next rotation's, and no other function sees either", () => {
    const { current, next } = originSecretIds();
    const { originSecret, nextOriginSecret } = authConfig.settings;
    expect(environment("auth")[originSecret.variable]).toEqual(secretReference(current));
    expect(environment("auth")[nextOriginSecret.variable]).toEqual(secretReference(next));
    for (const name of LAMBDAS.filter((lambda) => lambda !== "auth")) {
      expect(environment(name), name).not.toHaveProperty(originSecret.variable);
      expect(environment(name), name).not.toHaveProperty(nextOriginSecret.variable);
    }
  });

  it("no secret value is in the template: only dynamic references, the current one twice, the next once", () => {
    const { current, next } = originSecretIds();
    const text = JSON.stringify(resources);
    const references = (id: string) => text.split(JSON.stringify(secretReference(id))).length - 1;
    expect(text.split("{{resolve:secretsmanager:").length - 1).toBe(3);
    expect([references(current), references(next)]).toEqual([2, 1]);
    for (const [id, resource] of Object.entries(resources)) {
      expect(props(resource).SecretString, id).toBeUndefined();
    }
  });

  it("the auth function is updated only once the distribution is, so it drops an old secret last", () => {
    const [distributionId] = only("AWS::CloudFront::Distribution");
    expect([resources[lambdaLogicalId("auth")]?.DependsOn].flat()).toContain(distributionId);
  });

  it("rotation: CloudFront switches to a secret the running auth function already accepts", async () => {
    // Both generations built the same way (no bundling), so only the generation differs.
    const first = (await templateOf(STAGE)).Resources;
    const rotated = (await templateOf(STAGE, { ORIGIN_SECRET_GENERATION: "2" })).Resources;
    const before = originSecretIds(first);
    const after = originSecretIds(rotated);
    expect(before).toEqual(originSecretIds());
    // The next generation becomes CloudFront's, unchanged (same logical id, same generated value).
    expect(after.current).toBe(before.next);
    expect(rotated[after.current]).toEqual(first[before.next]);
    // A new next one is generated, and the old current one leaves the template.
    expect([before.current, before.next]).not.toContain(after.next);
    expect(rotated).not.toHaveProperty(before.current);
    expect(JSON.stringify(rotated)).not.toContain(`"Ref":"${before.current}"`);
  });
});

describe("template hygiene", () => {
  it("the HTTP API has no CORS configuration: the site and the API share one origin", () => {
    const [, api] = only("AWS::ApiGatewayV2::Api");
    expect(props(api).CorsConfiguration).toBeUndefined();
  });

  it("/api/* does not claim compression: CloudFront compresses nothing under CachingDisabled", () => {
    const distribution = props(only("AWS::CloudFront::Distribution")[1]).DistributionConfig as Json;
    const [api] = distribution.CacheBehaviors as Json[];
    expect(api).toMatchObject({ CachePolicyId: CACHING_DISABLED, Compress: false });
  });

  it("the site bucket refuses every request that is not TLS", () => {
    const [bucketId] = only("AWS::S3::Bucket");
    const [, policy] = only("AWS::S3::BucketPolicy");
    expect(props(policy).Bucket).toEqual({ Ref: bucketId });
    const statements = (props(policy).PolicyDocument as { Statement: Json[] }).Statement;
    expect(statements).toContainEqual({
      Action: "s3:*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
      Effect: "Deny",
      Principal: { AWS: "*" },
      Resource: [
        { "Fn::GetAtt": [bucketId, "Arn"] },
        { "Fn::Join": ["", [{ "Fn::GetAtt": [bucketId, "Arn"] }, "/*"]] },
      ],
    });
  });
});

describe("WAF on the distribution, per stage", () => {
  const webAcls = (of: Resources) =>
    Object.entries(of).filter(([, r]) => r.Type === "AWS::WAFv2::WebACL");
  const webAclIdOf = (of: Resources) => {
    const [, distribution] = Object.entries(of).find(
      ([, r]) => r.Type === "AWS::CloudFront::Distribution",
    ) as [string, TemplateResource];
    return (props(distribution).DistributionConfig as Json).WebACLId;
  };

  it("a non-production stage has none by default", () => {
    expect(webAcls(resources)).toEqual([]);
    expect(webAclIdOf(resources)).toBeUndefined();
  });

  it("production gets a CLOUDFRONT web ACL: one rate-based rule per client address on /api/*, answering 429", async () => {
    const prod = (await templateOf("prod")).Resources;
    const [[aclId, acl] = []] = webAcls(prod);
    expect(webAcls(prod)).toHaveLength(1);
    expect(webAclIdOf(prod)).toEqual({ "Fn::GetAtt": [aclId, "Arn"] });
    expect(props(acl as TemplateResource)).toMatchObject({
      Scope: "CLOUDFRONT",
      DefaultAction: { Allow: {} },
      Rules: [
        {
          Priority: 0,
          Action: {
            Block: {
              CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: "tooManyRequests" },
            },
          },
          Statement: {
            RateBasedStatement: {
              AggregateKeyType: "IP",
              Limit: DEFAULT_WAF_RATE_LIMIT,
              EvaluationWindowSec: 300,
              ScopeDownStatement: {
                ByteMatchStatement: {
                  FieldToMatch: { UriPath: {} },
                  PositionalConstraint: "STARTS_WITH",
                  SearchString: "/api/",
                },
              },
            },
          },
        },
      ],
    });
    expect((props(acl as TemplateResource).Rules as Json[]).length).toBe(1);
  });

  it("a stage setting turns it on elsewhere with its own limit, or off in production", async () => {
    const on = (await templateOf(STAGE, { WAF: "on", WAF_RATE_LIMIT: "300" })).Resources;
    const [[, acl] = []] = webAcls(on);
    expect(JSON.stringify(props(acl as TemplateResource).Rules)).toContain('"Limit":300');
    const off = (await templateOf("prod", { WAF: "off" })).Resources;
    expect(webAcls(off)).toEqual([]);
    expect(webAclIdOf(off)).toBeUndefined();
  });

  it("an existing web ACL is attached by ARN and none is created", async () => {
    const arn = `arn:aws:wafv2:us-east-1:${TEST_ACCOUNT}:global/webacl/shared/0a1b2c3d-1111-2222-3333-444455556666`;
    const existing = (await templateOf("prod", { WAF_WEB_ACL_ARN: arn })).Resources;
    expect(webAcls(existing)).toEqual([]);
    expect(webAclIdOf(existing)).toBe(arn);
  });

  it("refuses to synthesize its own web ACL outside us-east-1, and says what to do", async () => {
    expect(TEST_REGION).toBe("us-east-1");
    await expect(constructApp("prod", {}, "eu-west-1")).rejects.toThrow(
      /CloudFront web ACL can only be created in us-east-1 and this stage deploys to eu-west-1: .*WAF_WEB_ACL_ARN.*WAF=off/,
    );
    const elsewhere = (await templateOf(STAGE, {}, "eu-west-1")).Resources;
    expect(webAcls(elsewhere)).toEqual([]);
  });
});

describe("no circular dependency, stage-aware removal", () => {
  it("the template is acyclic and the public origin flows Lambda → Distribution → HttpApi", () => {
    const graph = dependencyGraph(resources);
    expect(findCycle(graph)).toBeUndefined();
    const [distributionId] = only("AWS::CloudFront::Distribution");
    const [apiId] = only("AWS::ApiGatewayV2::Api");
    expect(transitiveDependencies(graph, lambdaLogicalId("auth")).has(distributionId)).toBe(true);
    const behindDistribution = transitiveDependencies(graph, distributionId);
    expect(behindDistribution.has(apiId)).toBe(true);
    for (const name of LAMBDAS)
      expect(behindDistribution.has(lambdaLogicalId(name)), name).toBe(false);
    expect(transitiveDependencies(graph, apiId).size).toBe(0);
  });

  it("a non-production stage deletes every resource it created, site bucket emptied first", () => {
    // No DeletionPolicy means Delete; anything else would outlive `sst remove`.
    const kept = Object.entries(resources).filter(
      ([, r]) => r.DeletionPolicy !== undefined && r.DeletionPolicy !== "Delete",
    );
    expect(kept.map(([id]) => id)).toEqual([]);
    expect(ofType("Custom::S3AutoDeleteObjects")).toHaveLength(1);
    for (const [, group] of ofType("AWS::Logs::LogGroup"))
      expect(props(group).RetentionInDays).toBe(7);
    expect(ofType("AWS::Logs::LogGroup")).toHaveLength(LAMBDAS.length + 1);
  });

  it("with a custom domain, the origin is the domain: no reference to the distribution's URL", async () => {
    const domain = "app.example.com";
    const { stack } = await constructApp("prod", {
      SITE_DOMAIN: domain,
      SITE_CERTIFICATE_ARN:
        "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666",
    });
    const variables = (name: LambdaName) => {
      const fn = stack.node.findChild(lambdaId(name)).node.defaultChild as CfnFunction;
      return (stack.resolve(fn.environment) as { variables: Record<string, unknown> }).variables;
    };
    const origin = `https://${domain}`;
    expect(variables("auth")).toMatchObject(
      environmentOf(authConfig, { baseURL: origin, issuer: origin, audience: apiAudience(origin) }),
    );
    expect(variables("authorizer")).toMatchObject(
      environmentOf(authorizerConfig, { issuer: origin, audience: apiAudience(origin) }),
    );
    const distribution = stack.node
      .findAll()
      .find((c): c is CfnDistribution => c instanceof CfnDistribution) as CfnDistribution;
    const config = stack.resolve(distribution.distributionConfig) as { aliases: string[] };
    expect(config.aliases).toEqual([domain]);
  });

  it("production retains every log group on update and delete, but not a failed first create, with three months of retention", async () => {
    // RETAIN_ON_UPDATE_OR_DELETE as aws-cdk-lib 2.224 writes it: a rolled-back first deploy deletes
    // the fixed-name groups it created, so the retry does not fail with "already exists".
    const logGroups = Object.values((await templateOf("prod")).Resources).filter(
      (resource) => resource.Type === "AWS::Logs::LogGroup",
    );
    expect(logGroups).toHaveLength(LAMBDAS.length + 1);
    for (const group of logGroups) {
      expect(group).toMatchObject({
        DeletionPolicy: "RetainExceptOnCreate",
        UpdateReplacePolicy: "Retain",
        Properties: { RetentionInDays: 90 },
      });
    }
  });
});
