import { describe, expect, it } from "vitest";
import { ORIGIN_VERIFY_HEADER, VIEWER_ADDRESS_HEADER } from "../../functions/shared/client-address";
import { createLocalEdge } from "./edge";

describe("local edge (CloudFront's part in front of the local gateway)", () => {
  const secret = "the-stack-origin-secret-0123456789abcdef";
  const edge = createLocalEdge(secret);

  it("replaces client-sent edge headers with the connection's address and the stack's secret", async () => {
    const forged = new Request("http://127.0.0.1:3000/api/auth/sign-in/email", {
      method: "POST",
      headers: {
        [VIEWER_ADDRESS_HEADER]: "192.0.2.1",
        [ORIGIN_VERIFY_HEADER]: "guessed",
        "content-type": "application/json",
      },
      body: '{"email":"a@example.com"}',
    });
    const forwarded = edge(forged, "::1");
    expect(forwarded.headers.get(VIEWER_ADDRESS_HEADER)).toBe("::1");
    expect(forwarded.headers.get(ORIGIN_VERIFY_HEADER)).toBe(secret);
    // Nothing else changes: method, URL, the other headers, the body.
    expect(forwarded.method).toBe("POST");
    expect(forwarded.url).toBe(forged.url);
    expect(forwarded.headers.get("content-type")).toBe("application/json");
    expect(await forwarded.text()).toBe('{"email":"a@example.com"}');
  });
});
