import { join, relative, resolve } from "node:path";
import { Duration, Lazy, RemovalPolicy, Stack } from "aws-cdk-lib";
import { CfnRoute, HttpRoute } from "aws-cdk-lib/aws-apigatewayv2";
import { Certificate } from "aws-cdk-lib/aws-certificatemanager";
import {
  AllowedMethods,
  CachePolicy,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { HttpOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { EmailIdentity, Identity } from "aws-cdk-lib/aws-ses";
import { CfnWebACL } from "aws-cdk-lib/aws-wafv2";
import type { IConstruct } from "constructs";
import {
  Api,
  type ApiRouteProps,
  Config,
  Script,
  Function as SstFunction,
  type StackContext,
  StaticSite,
  type StaticSiteProps,
} from "sst/constructs";
import { useDeferredTasks } from "sst/constructs/deferred_task.js";
import { useProject } from "sst/project.js";
import { authEnvironment } from "../functions/auth/config";
import { authorizerEnvironment } from "../functions/authorizer/config";
import { migrateEnvironment } from "../functions/migrate/config";
import { ORIGIN_VERIFY_HEADER } from "../functions/shared/client-address";
import { secretVariables } from "../functions/shared/config";
import { telemetryEnvironment } from "../functions/shared/telemetry";
import { tasksEnvironment } from "../functions/tasks/config";
import {
  FUNCTION_CONFIGS,
  FUNCTION_ENTRIES,
  LAMBDA_CODE_SPLITTING,
  LAMBDA_RUNTIME,
  LAMBDA_SIZING,
  type LambdaName,
  MIGRATIONS_BUNDLE_PATH,
  MIGRATIONS_SOURCE,
} from "./function-settings";
import { LAMBDA_ESBUILD_OPTIONS } from "./lambda-bundling";
import { createMonitoring, metricsNamespace } from "./monitoring";
import { arnFinding, FUNCTION_REASONS, LAMBDA_BASIC_EXECUTION, suppress } from "./nag-suppressions";
import { createResponseHeadersPolicies } from "./response-headers-policies";
import { ROUTES } from "./routes";
import { listSitePages, siteRouterCode } from "./site-router";
import {
  assertWafRegion,
  publicOrigin,
  type StageSettings,
  stageSettings,
  type WafSetting,
} from "./stage-settings";
import { viewerAddressCode } from "./viewer-address";

/** The site: Astro's static build, from the repository root's `npm run site:build`. */
export const SITE_PATH = "site";
/**
 * Where the deploy build goes: SST's own work folder, not site/dist, so a deploy (or the offline
 * synth test) never races a local `npm start`/site test writing site/dist at the same time.
 */
export function siteBuildDirectory(): string {
  return join(useProject().paths.out, "site-dist");
}

/**
 * The whole product in one stack: secrets, four Lambdas, the HTTP API with the JWT authorizer,
 * migrations at deploy, and one CloudFront origin for the site and /api/*.
 *
 * Ordering without a cycle: the auth and authorizer Lambdas need the public origin, which (without
 * a custom domain) is the CloudFront URL. CloudFormation resolves that as a plain reference
 * Lambda → Distribution → HttpApi: the distribution only needs the API's host name (the
 * `AWS::ApiGatewayV2::Api` resource), never the routes, integrations or functions, so nothing
 * points back. The authorizer fetches keys from the API's own execute-api URL, not through
 * CloudFront, so it depends on the API resource alone.
 *
 * The client address: CloudFront's viewer-request function on /api/* sets x-viewer-address from
 * the viewer's IP, and the API origin adds x-origin-verify with a secret generated per stage in
 * Secrets Manager; the auth function believes the address only with that secret (or the next
 * rotation's). Every place holds a CloudFormation dynamic reference, never the value.
 */
export function AppStack({ stack, app }: StackContext) {
  const settings = stageSettings(app.stage, process.env);
  assertWafRegion(settings.waf, stack.region);
  // RetainExceptOnCreate: a failed first deploy rolls its log groups back, so a retry can create them.
  const retention = settings.isProduction
    ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
    : RemovalPolicy.DESTROY;

  // One Config.Secret per name, bound to every function whose config declares it.
  const secrets = new Map<string, Config.Secret>();
  const secretsOf = (name: LambdaName) =>
    secretVariables(FUNCTION_CONFIGS[name]).map((variable) => {
      const existing = secrets.get(variable);
      if (existing) return existing;
      const created = new Config.Secret(stack, variable);
      secrets.set(variable, created);
      return created;
    });

  const lambda = (
    name: LambdaName,
    extra: Partial<ConstructorParameters<typeof SstFunction>[2]>,
  ) => {
    const { memorySize, timeout } = LAMBDA_SIZING[name];
    const fn = new SstFunction(stack, lambdaId(name), {
      handler: FUNCTION_ENTRIES[name].replace(/\.ts$/, ".handler"),
      runtime: LAMBDA_RUNTIME,
      architecture: "arm_64",
      memorySize,
      timeout,
      // X-Ray needs `Resource: "*"`; latency is measured through Server-Timing and k6 instead.
      tracing: "disabled",
      nodejs: {
        format: "esm",
        minify: true,
        sourcemap: true,
        splitting: LAMBDA_CODE_SPLITTING.includes(name),
        esbuild: LAMBDA_ESBUILD_OPTIONS,
      },
      logGroup: new LogGroup(stack, `${lambdaId(name)}Logs`, {
        logGroupName: lambdaLogGroupName(app.stage, app.name, name),
        retention: settings.isProduction ? RetentionDays.THREE_MONTHS : RetentionDays.ONE_WEEK,
        removalPolicy: retention,
      }),
      ...extra,
      bind: secretsOf(name),
      environment: {
        NODE_OPTIONS: "--enable-source-maps",
        ...telemetryEnvironment({
          logLevel: settings.logLevel,
          metricsNamespace: metricsNamespace(stack.stackName),
        }),
        ...extra.environment,
      },
    });
    suppress(fn, FUNCTION_REASONS);
    if (fn.role) suppressBasicExecution(fn.role, "the function's role");
    return fn;
  };

  const migrate = lambda("migrate", {
    environment: migrateEnvironment(),
    copyFiles: [{ from: MIGRATIONS_SOURCE, to: MIGRATIONS_BUNDLE_PATH }],
    // The Script construct refuses live-dev functions (`sst dev`).
    enableLiveDev: false,
  });
  // Runs on every deploy (create and update). A failed migration is a failed invoke, which fails
  // the custom resource and rolls the deploy back; the advisory lock in runMigrations serialises
  // two deploys of the same stage.
  const migrations = new Script(stack, "Migrations", { onCreate: migrate, onUpdate: migrate });
  suppressSstHandler(migrations.node.findChild("ScriptHandler"), "the Script construct's handler", {
    "AwsSolutions-IAM5": [`Resource::${arnFinding(migrate)}:*`],
  });
  suppressSstHandler(stack.customResourceHandler, "the stack's custom-resource handler");

  const functions = {
    auth: lambda("auth", {}),
    api: lambda("api", { environment: tasksEnvironment() }),
  };
  // Account mail: the stage's SES identity, and sending rights on that identity alone.
  const mailIdentity = new EmailIdentity(stack, "MailIdentity", {
    identity:
      settings.mail.kind === "domain"
        ? Identity.domain(settings.mail.identity)
        : Identity.email(settings.mail.identity),
  });
  mailIdentity.grant(functions.auth, "ses:SendEmail");
  const authorizer = lambda("authorizer", {});
  // New code goes live only after the schema it expects is in place.
  for (const fn of Object.values(functions)) fn.node.addDependency(migrations);

  const api = new Api(stack, "Api", {
    // Same origin behind CloudFront: no browser needs CORS, and SST's default allows any origin.
    cors: false,
    authorizers: {
      jwt: {
        type: "lambda",
        function: authorizer,
        responseTypes: ["simple"],
        identitySource: ["$request.header.Authorization"],
        resultsCacheTtl: `${settings.authorizerCacheTtlSeconds} seconds`,
      },
    },
    defaults: { throttle: settings.throttle },
    accessLog: { retention: settings.logRetention },
    routes: Object.fromEntries(
      ROUTES.map((route): [string, ApiRouteProps<"jwt">] => [
        route.key,
        {
          function: functions[route.function],
          authorizer: route.auth === "jwt" ? "jwt" : "none",
        },
      ]),
    ),
  });
  if (api.cdk.accessLogGroup) api.cdk.accessLogGroup.applyRemovalPolicy(retention);
  suppressPublicRoutes(api);
  if (api.cdk.httpApi.defaultStage)
    suppress(api.cdk.httpApi.defaultStage, {
      "Serverless-APIGWStructuredLogging":
        "SST's access log format is JSON once API Gateway fills in $context.status and responseLatency (bare numbers); the rule parses the unfilled template",
    });

  const apiHost = `${api.httpApiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
  // Rotation: generation N+1 (already accepted) becomes CloudFront's, N+2 is generated, N goes.
  const originSecrets = originSecretsOf(stack, app.stage, settings.originSecretGeneration);
  const site = new StaticSite(
    stack,
    "Site",
    siteProps(stack, settings, {
      apiHost,
      originSecretReference: originSecrets.current,
      webAclArn: webAclArnOf(stack, settings.waf),
    }),
  );
  // StaticSite always creates its own viewer-request function ("/x" → "/x.html"); ours replaces it
  // in the default behaviour, so drop the unused one instead of deploying it.
  site.node.tryRemoveChild("CloudFrontFunction");
  suppressSite(site, settings);
  const origin = publicOrigin(settings, site.url ?? "");
  addEnvironment(
    functions.auth,
    authEnvironment({
      origin,
      originSecret: originSecrets.current,
      nextOriginSecret: originSecrets.next,
      emailVerification: settings.emailVerification,
      mailFrom: settings.mail.from,
      mailSesRegion: stack.region,
    }),
  );
  // The auth function drops the old secret only once every edge sends the new one.
  if (site.cdk?.distribution) functions.auth.node.addDependency(site.cdk.distribution);
  addEnvironment(
    authorizer,
    authorizerEnvironment({ origin, jwksUrl: `${api.url}/api/auth/jwks` }),
  );

  const monitored = { ...functions, authorizer, migrate };
  const monitoring = createMonitoring(stack, {
    functions: { auth: functions.auth, api: functions.api, authorizer, migrate },
    httpApi: api.cdk.httpApi,
    ...(settings.alarmEmail ? { alarmEmail: settings.alarmEmail } : {}),
  });

  stack.addOutputs({
    SiteUrl: origin,
    ApiUrl: api.url,
    MailIdentity: mailIdentity.emailIdentityName,
    AlarmTopicArn: monitoring.topic.topicArn,
  });
  return { api, site, functions: monitored, migrations, monitoring, settings };
}

function suppressBasicExecution(role: IConstruct, what: string): void {
  suppress(
    role,
    {
      "AwsSolutions-IAM4": `${what} has only the AWS managed basic execution policy (CloudWatch Logs), which SST attaches`,
    },
    { appliesTo: { "AwsSolutions-IAM4": [LAMBDA_BASIC_EXECUTION] } },
  );
}

/** SST's own functions (the Script handler, the stack's custom-resource handler): SST sets them up. */
function suppressSstHandler(
  handler: IConstruct,
  what: string,
  wildcards: Record<string, string[]> = {},
): void {
  const reason = `${what} is SST's own function; its runtime and settings are SST's`;
  suppress(
    handler,
    {
      ...FUNCTION_REASONS,
      "AwsSolutions-L1": reason,
      "Serverless-LambdaLatestVersion": reason,
      "AwsSolutions-IAM4": `${what} has only the AWS managed basic execution policy (CloudWatch Logs), which SST attaches`,
      ...(wildcards["AwsSolutions-IAM5"]
        ? {
            "AwsSolutions-IAM5": `${what} may invoke any version of the migrate function (SST's grantInvoke)`,
          }
        : {}),
    },
    {
      applyToChildren: true,
      appliesTo: { ...wildcards, "AwsSolutions-IAM4": [LAMBDA_BASIC_EXECUTION] },
    },
  );
}

/** Auth, health and the OpenAPI document answer without a token; every other route has the authorizer. */
function suppressPublicRoutes(api: IConstruct): void {
  const publicKeys = new Set(ROUTES.filter((route) => route.auth !== "jwt").map(({ key }) => key));
  for (const child of api.node.children) {
    const route = child.node.defaultChild;
    if (!(child instanceof HttpRoute) || !(route instanceof CfnRoute)) continue;
    if (!publicKeys.has(route.routeKey)) continue;
    suppress(child, {
      "AwsSolutions-APIG4":
        "public by design: Better Auth authenticates /api/auth/*, health and the OpenAPI document carry no data",
    });
  }
}

function suppressSite(site: StaticSite, settings: StageSettings): void {
  const bucket = site.cdk?.bucket;
  const distribution = site.cdk?.distribution;
  if (!bucket || !distribution) return;
  suppress(bucket, {
    "AwsSolutions-S1":
      "written only by the deploy (recorded by CloudTrail) and read only through CloudFront; a log bucket per stage would add cost for no new signal",
  });
  suppress(distribution, {
    "AwsSolutions-CFR1": "a public site for any country: no geo restriction",
    "AwsSolutions-CFR3":
      "standard logs need an ACL-enabled log bucket; every /api request is in API Gateway's access log and the site is static files",
    "AwsSolutions-CFR7":
      "SST 2's StaticSite reads the bucket through an origin access identity; the bucket blocks all public access",
    ...(settings.waf.mode === "off"
      ? {
          "AwsSolutions-CFR2":
            "WAF is a stage setting (WAF=…), on in production; this stage turned it off",
        }
      : {}),
    ...(settings.domain
      ? {}
      : {
          "AwsSolutions-CFR4":
            "the default *.cloudfront.net certificate cannot set a minimum TLS version; a custom domain gets TLSv1.2_2021",
        }),
  });
  // SST creates the upload policy in a deferred task (at `app.finish()`), after this constructor.
  useDeferredTasks().add(async () => {
    const uploader = site.node.tryFindChild("S3UploaderPolicy");
    if (!uploader) return;
    const { account, region } = Stack.of(site);
    suppress(
      uploader,
      {
        "AwsSolutions-IAM5":
          "SST's site upload: its custom-resource handler writes any object of the site bucket and reads the staged assets",
      },
      {
        appliesTo: {
          "AwsSolutions-IAM5": [
            `Resource::${arnFinding(bucket)}/*`,
            `Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${account}-${region}/*`,
          ],
        },
      },
    );
  });
}

/** Settings that need the public origin are added once the distribution exists. */
function addEnvironment(fn: SstFunction, environment: Record<string, string>): void {
  for (const [name, value] of Object.entries(environment)) fn.addEnvironment(name, value);
}

/** A fixed, findable name: `aws logs tail /aws/lambda/<stage>-<app>-auth --follow`. */
export function lambdaLogGroupName(stage: string, appName: string, name: LambdaName): string {
  return `/aws/lambda/${stage}-${appName}-${name}`;
}

export function lambdaId(name: LambdaName): string {
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}Function`;
}

/**
 * The origin secrets of a generation, as `{{resolve:secretsmanager:…}}` references: CloudFront
 * sends the current one; the auth function accepts it and the next generation's. A new construct
 * id per generation means a new generated value and a changed reference, which CloudFormation
 * re-resolves (it never re-reads a secret behind an unchanged reference).
 */
function originSecretsOf(
  stack: StackContext["stack"],
  stage: string,
  generation: number,
): { current: string; next: string } {
  const reference = (of: number) => {
    const secret = new Secret(stack, `OriginVerifySecret${of}`, {
      description: `${stage}: ${ORIGIN_VERIFY_HEADER} value of generation ${of}`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    suppress(secret, {
      "AwsSolutions-SMG4":
        "rotated by generation (ORIGIN_SECRET_GENERATION, docs/security.md): CloudFront and the auth function must switch together, which a rotation Lambda cannot do",
    });
    return secret.secretValue.unsafeUnwrap();
  };
  return { current: reference(generation), next: reference(generation + 1) };
}

/**
 * The distribution's web ACL: the stack's own (one rate-based rule per client address on /api/*)
 * or an existing one. WAF sees the viewer's real address; API Gateway's throttle is stage-wide.
 */
function webAclArnOf(stack: StackContext["stack"], waf: WafSetting): string | undefined {
  if (waf.mode === "off") return undefined;
  if (waf.mode === "existing") return waf.webAclArn;
  const metrics = (metricName: string) => ({
    cloudWatchMetricsEnabled: true,
    sampledRequestsEnabled: true,
    metricName,
  });
  const webAcl = new CfnWebACL(stack, "WebAcl", {
    scope: "CLOUDFRONT",
    description: "one client address cannot use up the API's stage-wide throttle",
    defaultAction: { allow: {} },
    visibilityConfig: metrics("web-acl"),
    // API Gateway's own throttling answer, so clients see one shape for "slow down".
    customResponseBodies: {
      tooManyRequests: {
        contentType: "APPLICATION_JSON",
        content: '{"message":"Too Many Requests"}',
      },
    },
    rules: [
      {
        name: "api-rate-per-address",
        priority: 0,
        action: {
          block: {
            customResponse: { responseCode: 429, customResponseBodyKey: "tooManyRequests" },
          },
        },
        statement: {
          rateBasedStatement: {
            aggregateKeyType: "IP",
            limit: waf.limit,
            evaluationWindowSec: 300,
            // Site pages and assets come from S3 and the cache; only the API shares a throttle.
            scopeDownStatement: {
              byteMatchStatement: {
                fieldToMatch: { uriPath: {} },
                positionalConstraint: "STARTS_WITH",
                searchString: "/api/",
                textTransformations: [{ priority: 0, type: "NONE" }],
              },
            },
          },
        },
        visibilityConfig: metrics("api-rate-per-address"),
      },
    ],
  });
  return webAcl.attrArn;
}

interface ApiOriginProps {
  apiHost: string;
  /** The `{{resolve:secretsmanager:…}}` reference of the stage's origin secret. */
  originSecretReference: string;
  webAclArn: string | undefined;
}

function siteProps(
  stack: StackContext["stack"],
  settings: StageSettings,
  { apiHost, originSecretReference, webAclArn }: ApiOriginProps,
): StaticSiteProps {
  const router = new CloudFrontFunction(stack, "SiteRouter", {
    runtime: FunctionRuntime.JS_2_0,
    comment: "site pages: directory index, 404 for unknown pages",
    // Resolved at synthesis, after StaticSite has run the build, so the page list is the real one.
    code: FunctionCode.fromInline(
      Lazy.string({
        produce: () => siteRouterCode(listSitePages(siteBuildDirectory())),
      }),
    ),
  });
  const viewerAddress = new CloudFrontFunction(stack, "ApiViewerAddress", {
    runtime: FunctionRuntime.JS_2_0,
    comment: "/api/*: the viewer's own address for the API, never the viewer's claim",
    code: FunctionCode.fromInline(viewerAddressCode()),
  });
  const apiOrigin = new HttpOrigin(apiHost, {
    protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
    originSslProtocols: [OriginSslPolicy.TLS_V1_2],
    readTimeout: Duration.seconds(30),
    customHeaders: { [ORIGIN_VERIFY_HEADER]: originSecretReference },
  });
  const responseHeaders = createResponseHeadersPolicies(stack, settings.stage);
  const domain = settings.domain;
  return {
    path: SITE_PATH,
    // StaticSite runs this inside site/; the script lives in the root package.json.
    buildCommand: `npm --prefix .. run site:build -- --outDir "${siteBuildDirectory()}"`,
    // StaticSite resolves the output relative to `path`.
    buildOutput: relative(resolve(SITE_PATH), siteBuildDirectory()),
    ...(domain
      ? {
          customDomain:
            "certificateArn" in domain
              ? {
                  domainName: domain.name,
                  isExternalDomain: true,
                  cdk: {
                    certificate: Certificate.fromCertificateArn(
                      stack,
                      "SiteCertificate",
                      domain.certificateArn,
                    ),
                  },
                }
              : { domainName: domain.name, hostedZone: domain.hostedZone },
        }
      : {}),
    cdk: {
      bucket: { enforceSSL: true },
      distribution: {
        comment: `${settings.stage}: site and /api`,
        ...(webAclArn ? { webAclId: webAclArn } : {}),
        // Custom error responses would apply to /api/* too and rewrite the API's JSON errors.
        errorResponses: [],
        defaultBehavior: {
          functionAssociations: [
            { function: router, eventType: FunctionEventType.VIEWER_REQUEST },
            { function: router, eventType: FunctionEventType.VIEWER_RESPONSE },
          ],
          responseHeadersPolicy: responseHeaders.site,
        },
        additionalBehaviors: {
          "/api/*": {
            origin: apiOrigin,
            allowedMethods: AllowedMethods.ALLOW_ALL,
            viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
            cachePolicy: CachePolicy.CACHING_DISABLED,
            // Every viewer header but Host (API Gateway routes on its own host name), all cookies
            // and query strings; no CloudFront headers, so the function below sets the address.
            originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            responseHeadersPolicy: responseHeaders.api,
            functionAssociations: [
              { function: viewerAddress, eventType: FunctionEventType.VIEWER_REQUEST },
            ],
            // CloudFront compresses only what a caching policy normalises Accept-Encoding for; TTL 0 can't.
            compress: false,
          },
        },
      },
    },
  };
}
