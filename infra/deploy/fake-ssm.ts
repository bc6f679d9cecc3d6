import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as the AWS SDK sent it over the wire. */
export interface RecordedRequest {
  headers: IncomingHttpHeaders;
  /** Parsed JSON for SSM's JSON protocol; the raw text for anything else. */
  body: unknown;
}

export interface FakeSsm {
  endpoint: string;
  requests: RecordedRequest[];
  /** Parameter names that exist; GetParameters reports every other asked name as invalid. */
  parameters: Set<string>;
  /** Parameters that exist with a value, answered as is when the call asks WithDecryption. */
  values: Map<string, string>;
  /** When set, every call answers with this AWS JSON error instead. */
  failWith?: { status: number; type: string; message: string };
  close(): Promise<void>;
}

/**
 * A local HTTP endpoint that speaks just enough of SSM's JSON 1.1 protocol for GetParameters, so
 * tests drive the real SDK client (signing, serialising, parsing) and see what it sent. Every
 * other AWS call (STS, CloudFormation: query protocol) is refused as an invalid token.
 */
export async function startFakeSsm(): Promise<FakeSsm> {
  const fake: FakeSsm = {
    endpoint: "",
    requests: [],
    parameters: new Set(),
    values: new Map(),
    close: () => new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (request.headers["x-amz-target"] !== "AmazonSSM.GetParameters") {
        fake.requests.push({ headers: request.headers, body: text });
        response.statusCode = 403;
        response.setHeader("content-type", "text/xml");
        response.end(
          "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>" +
            "<Message>The security token included in the request is invalid.</Message></Error></ErrorResponse>",
        );
        return;
      }
      const body: unknown = JSON.parse(text || "{}");
      fake.requests.push({ headers: request.headers, body });
      response.setHeader("content-type", "application/x-amz-json-1.1");
      if (fake.failWith) {
        response.statusCode = fake.failWith.status;
        response.end(
          JSON.stringify({ __type: fake.failWith.type, message: fake.failWith.message }),
        );
        return;
      }
      const { Names: names = [], WithDecryption: decrypt = false } = body as {
        Names?: string[];
        WithDecryption?: boolean;
      };
      const exists = (name: string) => fake.parameters.has(name) || fake.values.has(name);
      response.end(
        JSON.stringify({
          Parameters: names.filter(exists).map((name) => ({
            Name: name,
            Type: "SecureString",
            Value: (decrypt && fake.values.get(name)) || "AQICAH-ciphertext",
            Version: 1,
          })),
          InvalidParameters: names.filter((name) => !exists(name)),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
