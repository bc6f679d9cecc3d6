/** `k6/encoding` b64decode for the "rawurl" encoding the scripts use; "s" returns a string. */
export default {
  b64decode(input: string, encoding: string, format?: string): string | ArrayBuffer {
    if (encoding !== "rawurl") throw new Error(`the fake decodes only rawurl, not ${encoding}`);
    const bytes = Buffer.from(input, "base64url");
    return format === "s" ? bytes.toString("utf8") : new Uint8Array(bytes).buffer;
  },
};
