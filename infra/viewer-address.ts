import { ORIGIN_VERIFY_HEADER, VIEWER_ADDRESS_HEADER } from "../functions/shared/client-address";

/**
 * The CloudFront Function (cloudfront-js-2.0) of the /api/* behaviour, on viewer request: it
 * replaces whatever the viewer sent in VIEWER_ADDRESS_HEADER with the address CloudFront saw
 * (`event.viewer.ip`, IPv4 or IPv6), and drops a viewer-sent ORIGIN_VERIFY_HEADER so only the
 * origin custom header carries the secret. The origin request policy forwards every viewer header,
 * so the function's header reaches the API. Assigning the key replaces all of a header's values.
 */
export function viewerAddressCode(): string {
  return `function handler(event) {
  var headers = event.request.headers;
  delete headers[${JSON.stringify(ORIGIN_VERIFY_HEADER)}];
  headers[${JSON.stringify(VIEWER_ADDRESS_HEADER)}] = { value: event.viewer.ip };
  return event.request;
}
`;
}
