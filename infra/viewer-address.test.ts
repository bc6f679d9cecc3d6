import { describe, expect, it } from "vitest";
import { ORIGIN_VERIFY_HEADER, VIEWER_ADDRESS_HEADER } from "../functions/shared/client-address";
import { viewerAddressCode } from "./viewer-address";

type Headers = Record<string, { value: string; multiValue?: { value: string }[] }>;
interface ViewerRequestEvent {
  viewer: { ip: string };
  request: { uri: string; headers: Headers };
}
type Handler = (event: ViewerRequestEvent) => { uri: string; headers: Headers };

/** Loads the generated source the way the cloudfront-js runtime does. */
const handler = new Function(`${viewerAddressCode()}\nreturn handler;`)() as Handler;

const viewerRequest = (ip: string, headers: Headers = {}) =>
  handler({ viewer: { ip }, request: { uri: "/api/auth/sign-in/email", headers } });

describe("viewer address (CloudFront Function of /api/*)", () => {
  it("sets the viewer address from event.viewer.ip, IPv4 and IPv6", () => {
    expect(viewerRequest("203.0.113.9").headers[VIEWER_ADDRESS_HEADER]).toEqual({
      value: "203.0.113.9",
    });
    expect(viewerRequest("2001:db8::42").headers[VIEWER_ADDRESS_HEADER]).toEqual({
      value: "2001:db8::42",
    });
  });

  it("replaces every viewer-sent copy of the address and drops a viewer-sent origin secret", () => {
    const forged: Headers = {
      [VIEWER_ADDRESS_HEADER]: {
        value: "192.0.2.1",
        multiValue: [{ value: "192.0.2.1" }, { value: "192.0.2.2" }],
      },
      [ORIGIN_VERIFY_HEADER]: { value: "guessed" },
      authorization: { value: "Bearer x" },
    };
    const request = viewerRequest("198.51.100.4", forged);
    expect(request.headers[VIEWER_ADDRESS_HEADER]).toEqual({ value: "198.51.100.4" });
    expect(request.headers).not.toHaveProperty(ORIGIN_VERIFY_HEADER);
    // Everything else passes unchanged.
    expect(request.headers.authorization).toEqual({ value: "Bearer x" });
    expect(request.uri).toBe("/api/auth/sign-in/email");
  });
});
