import { randomBytes } from "node:crypto";
import { ORIGIN_VERIFY_HEADER, VIEWER_ADDRESS_HEADER } from "../../functions/shared/client-address";

/**
 * What CloudFront does to a request for /api/* before the HTTP API sees it, played by the local
 * stack: the viewer-request function replaces any client-sent viewer address with the one the
 * connection came from, and the origin custom header adds the stage's origin secret, overwriting a
 * client-sent copy. The local gateway behind it forwards headers unchanged, as API Gateway does,
 * so calling the gateway without this step is what a direct call to the execute-api URL is.
 */
export type LocalEdge = (request: Request, viewerIp: string) => Request;

/**
 * What the local gateway reports as `sourceIp` for a request through the local edge: deployed,
 * API Gateway sees CloudFront's address there, never the viewer's, and so must the functions.
 */
export const LOCAL_EDGE_ADDRESS = "127.0.0.2";

export function createLocalEdge(originSecret: string): LocalEdge {
  return (request, viewerIp) => {
    const headers = new Headers(request.headers);
    // set() replaces every client-sent copy, as the function and the custom header do.
    headers.set(VIEWER_ADDRESS_HEADER, viewerIp);
    headers.set(ORIGIN_VERIFY_HEADER, originSecret);
    return new Request(request, { headers });
  };
}

/** A stack's own origin secret, new at every start: it never leaves the process. */
export function newOriginSecret(): string {
  return randomBytes(32).toString("base64url");
}
