import { describe, expect, it } from "vitest";
import { findMalformedText } from "./well-formed-body";

const JSON_TYPE = "application/json; charset=utf-8";
const text = (value: string) => new TextEncoder().encode(value);

describe("findMalformedText", () => {
  it("names the field of a lone surrogate escape, however deep", () => {
    expect(findMalformedText(text('{"a":[1,{"b":"\\ud800"}]}'), JSON_TYPE)).toEqual({
      field: "a.1.b",
      problem: "unpaired_surrogate",
    });
    expect(findMalformedText(text('"\\udfff"'), "application/problem+json")).toEqual({
      field: "",
      problem: "unpaired_surrogate",
    });
  });

  it("finds invalid bytes in any body it reads as text", () => {
    for (const type of [JSON_TYPE, "application/x-www-form-urlencoded"]) {
      expect(findMalformedText(new Uint8Array([0x7b, 0xff, 0x7d]), type)).toEqual({
        field: "",
        problem: "invalid_utf8",
      });
    }
  });

  it("names the form field whose percent-encoding is not UTF-8", () => {
    expect(
      findMalformedText(text("email=a%40b.c&name=%ED%A0%80"), "application/x-www-form-urlencoded"),
    ).toEqual({ field: "name", problem: "invalid_utf8" });
    expect(
      findMalformedText(
        text("email=a%40b.c&name=Ada+%F0%9F%98%80"),
        "application/x-www-form-urlencoded",
      ),
    ).toBeUndefined();
  });

  it("accepts well-formed text, escaped pairs and escaped backslashes", () => {
    expect(
      findMalformedText(text('{"t":"😀 \\ud83d\\ude00 \\\\ud800"}'), JSON_TYPE),
    ).toBeUndefined();
  });

  it("leaves malformed JSON to the app and survives deep nesting", () => {
    expect(findMalformedText(text('{"t": "\\ud800"'), JSON_TYPE)).toBeUndefined();
    const deep = `${"[".repeat(100_000)}"\\ud800"${"]".repeat(100_000)}`;
    const found = findMalformedText(text(deep), JSON_TYPE);
    expect(found?.problem).toBe("unpaired_surrogate");
    // The reported path is cut, not 200,000 characters long.
    expect(found?.field.length).toBeLessThanOrEqual(201);
    expect(found?.field.endsWith("…")).toBe(true);
  });
});
