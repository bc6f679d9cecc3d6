import { beforeAll, expect, it } from "vitest";
import { describeEachEngine } from "../../infra/testing/database-suite";
import { countTasks, insertUser, type TestUser, taskRows } from "../../infra/testing/table-rows";
import { type CallOptions, createGatewayClient } from "../../infra/testing/tasks-client";
import type { ErrorEnvelope, Task } from "./task-schemas";

/** One bad input, and the field the 400 must point at ("" for the whole body). */
interface BadInput {
  name: string;
  options: CallOptions;
  field: string;
  location?: string;
}

const json = (value: unknown): CallOptions => ({ json: value });
const raw = (body: string, contentType = "application/json"): CallOptions => ({
  rawBody: body,
  headers: { "content-type": contentType },
});
const emoji = "😀"; // one character, two UTF-16 code units
/** A JSON body as bytes, with `bad` spliced in raw, in a base64 event body. */
const bytes = (before: string, bad: number[], after: string): CallOptions => ({
  bytes: Buffer.concat([Buffer.from(before), Buffer.from(bad), Buffer.from(after)]),
  headers: { "content-type": "application/json" },
});
/** Malformed text the lenient decoders would have stored as U+FFFD or a lone surrogate. */
const malformedCreates: BadInput[] = [
  { name: "an invalid UTF-8 byte", options: bytes('{"title":"a', [0xff], 'b"}'), field: "" },
  {
    name: "a truncated UTF-8 sequence",
    options: bytes('{"title":"a', [0xe2, 0x82], '"}'),
    field: "",
  },
  {
    name: "an overlong UTF-8 encoding",
    options: bytes('{"title":"', [0xc0, 0xaf], '"}'),
    field: "",
  },
  {
    name: "a UTF-8-encoded surrogate",
    options: bytes('{"title":"', [0xed, 0xa0, 0x80], '"}'),
    field: "",
  },
  { name: "a lone high surrogate escape", options: raw('{"title":"a\\ud800b"}'), field: "title" },
  { name: "a lone low surrogate escape", options: raw('{"title":"\\udc00"}'), field: "title" },
  {
    name: "surrogate escapes in the wrong order",
    options: raw('{"title":"\\udc00\\ud800"}'),
    field: "title",
  },
  {
    name: "a lone surrogate escape in the description",
    options: raw('{"title":"ok","description":"x\\ud83d"}'),
    field: "description",
  },
  {
    name: "a lone surrogate escape in a field name",
    options: raw('{"title":"ok","\\ud800":1}'),
    field: "\ufffd",
  },
];

const badCreates: BadInput[] = [
  { name: "malformed JSON", options: raw('{"title": "x"'), field: "" },
  { name: "an empty JSON body", options: raw(""), field: "" },
  { name: "a JSON array", options: json([{ title: "x" }]), field: "" },
  { name: "a JSON string", options: json("title"), field: "" },
  { name: "JSON null", options: json(null), field: "" },
  { name: "no body at all", options: {}, field: "title" },
  {
    name: "a form body",
    options: raw("title=x", "application/x-www-form-urlencoded"),
    field: "content-type",
    location: "header",
  },
  {
    name: "a text/plain body",
    options: raw('{"title":"x"}', "text/plain"),
    field: "content-type",
    location: "header",
  },
  { name: "a missing title", options: json({ description: "d" }), field: "title" },
  { name: "a numeric title", options: json({ title: 42 }), field: "title" },
  { name: "a null title", options: json({ title: null }), field: "title" },
  { name: "an array title", options: json({ title: ["x"] }), field: "title" },
  { name: "an empty title", options: json({ title: "" }), field: "title" },
  { name: "a whitespace-only title", options: json({ title: " \t\n " }), field: "title" },
  { name: "a 201-character title", options: json({ title: "x".repeat(201) }), field: "title" },
  { name: "a 201-emoji title", options: json({ title: emoji.repeat(201) }), field: "title" },
  { name: "a title with a NUL character", options: json({ title: "a\u0000b" }), field: "title" },
  {
    name: "a 2001-character description",
    options: json({ title: "x", description: "d".repeat(2001) }),
    field: "description",
  },
  {
    name: "a numeric description",
    options: json({ title: "x", description: 7 }),
    field: "description",
  },
  {
    name: "a description with a NUL character",
    options: json({ title: "x", description: "\u0000" }),
    field: "description",
  },
  {
    name: "an unknown field userId",
    options: json({ title: "x", userId: "someone" }),
    field: "userId",
  },
  {
    name: "an unknown field id",
    options: json({ title: "x", id: "7d3d1f3e-4a0c-4c8e-9b0a-1f2e3d4c5b6a" }),
    field: "id",
  },
  {
    name: "completed on create",
    options: json({ title: "x", completed: true }),
    field: "completed",
  },
  {
    name: "createdAt on create",
    options: json({ title: "x", createdAt: "2020-01-01T00:00:00.000Z" }),
    field: "createdAt",
  },
  ...malformedCreates,
];

const badUpdates: BadInput[] = [
  { name: "malformed JSON", options: raw("{completed: true}"), field: "" },
  { name: "an empty object", options: json({}), field: "" },
  { name: "no body at all", options: {}, field: "" },
  {
    name: "a text/plain body",
    options: raw('{"completed":true}', "text/plain"),
    field: "content-type",
    location: "header",
  },
  { name: "a string for completed", options: json({ completed: "true" }), field: "completed" },
  { name: "null for completed", options: json({ completed: null }), field: "completed" },
  { name: "a number for completed", options: json({ completed: 1 }), field: "completed" },
  { name: "a null title", options: json({ title: null }), field: "title" },
  { name: "an empty title", options: json({ title: "   " }), field: "title" },
  { name: "a 201-character title", options: json({ title: "x".repeat(201) }), field: "title" },
  {
    name: "a 2001-character description",
    options: json({ description: "d".repeat(2001) }),
    field: "description",
  },
  {
    name: "an unknown field userId",
    options: json({ completed: true, userId: "someone" }),
    field: "userId",
  },
  {
    name: "an unknown field updatedAt",
    options: json({ updatedAt: "2020-01-01T00:00:00.000Z" }),
    field: "updatedAt",
  },
  { name: "a JSON array", options: json([{ completed: true }]), field: "" },
  { name: "an invalid UTF-8 byte", options: bytes('{"title":"', [0xff], '"}'), field: "" },
  { name: "a lone surrogate escape", options: raw('{"title":"\\ud800"}'), field: "title" },
  {
    name: "a lone surrogate escape JSON.stringify writes",
    options: json({ description: "\ud800" }),
    field: "description",
  },
];

const badQueries: { name: string; query: string; field: string }[] = [
  { name: "limit=0", query: "limit=0", field: "limit" },
  { name: "limit=101", query: "limit=101", field: "limit" },
  { name: "limit=-1", query: "limit=-1", field: "limit" },
  { name: "limit=1.5", query: "limit=1.5", field: "limit" },
  { name: "limit=ten", query: "limit=ten", field: "limit" },
  { name: "limit=1e1", query: "limit=1e1", field: "limit" },
  { name: "an empty limit", query: "limit=", field: "limit" },
  { name: "limit=99999", query: "limit=99999", field: "limit" },
  { name: "a repeated limit", query: "limit=1&limit=2", field: "limit" },
  { name: "completed=yes", query: "completed=yes", field: "completed" },
  { name: "completed=1", query: "completed=1", field: "completed" },
  { name: "completed=TRUE", query: "completed=TRUE", field: "completed" },
  { name: "an unknown parameter userId", query: "userId=someone", field: "userId" },
  { name: "an unknown parameter offset", query: "offset=10", field: "offset" },
];

async function expectInvalid(response: Response, field: string, location: string) {
  expect(response.status).toBe(400);
  const body = (await response.json()) as ErrorEnvelope;
  expect(body.error.code).toBe("invalid_request");
  expect(typeof body.error.message).toBe("string");
  expect(body.error.details).toContainEqual(expect.objectContaining({ location, field }));
}

describeEachEngine("request validation on %s", (database) => {
  const call = createGatewayClient(database);
  let owner: TestUser;
  let existing: Task;

  beforeAll(async () => {
    owner = await insertUser(database.db);
    const response = await call("POST", "/api/tasks", {
      as: owner,
      json: { title: "Untouched", description: "original" },
    });
    existing = (await response.json()) as Task;
  });

  it.each(badCreates)(
    "refuses to create a task from $name with 400 and writes nothing",
    async ({ options, field, location = "body" }) => {
      const before = await countTasks(database.db);
      const response = await call("POST", "/api/tasks", { ...options, as: owner });
      await expectInvalid(response, field, location);
      expect(await countTasks(database.db)).toBe(before);
    },
  );

  it.each(badUpdates)(
    "refuses to update a task from $name with 400 and leaves it unchanged",
    async ({ options, field, location = "body" }) => {
      const before = await taskRows(database.db, owner.id);
      const response = await call("PATCH", `/api/tasks/${existing.id}`, { ...options, as: owner });
      await expectInvalid(response, field, location);
      expect(await taskRows(database.db, owner.id)).toEqual(before);
    },
  );

  it.each(badQueries)("refuses to list with $name", async ({ query, field }) => {
    const before = await taskRows(database.db, owner.id);
    const response = await call("GET", `/api/tasks?${query}`, { as: owner });
    await expectInvalid(response, field, "query");
    expect(await taskRows(database.db, owner.id)).toEqual(before);
  });

  it("lists every problem of a body at once, one entry per field", async () => {
    const response = await call("POST", "/api/tasks", {
      as: owner,
      json: { title: "", description: 5, userId: "x", owner: "y" },
    });
    const body = (await response.json()) as ErrorEnvelope;
    expect(body.error.details?.map((detail) => detail.field).sort()).toEqual([
      "description",
      "owner",
      "title",
      "userId",
    ]);
  });

  it("accepts the limits themselves: a 200-character title and a 2000-character description", async () => {
    const response = await call("POST", "/api/tasks", {
      as: owner,
      json: { title: `  ${"t".repeat(200)}  `, description: "d".repeat(2000) },
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Task;
    expect(created.title).toHaveLength(200);
    expect(created.description).toHaveLength(2000);
  });

  it("counts characters, not UTF-16 units: a 200-emoji title is accepted", async () => {
    const response = await call("POST", "/api/tasks", {
      as: owner,
      json: { title: emoji.repeat(200) },
    });
    expect(response.status).toBe(201);
    expect(((await response.json()) as Task).title).toBe(emoji.repeat(200));
  });

  it.each([
    { name: "raw UTF-8 bytes", options: bytes('{"title":"', [...Buffer.from(emoji)], ' ok"}') },
    { name: "a surrogate pair escape", options: raw('{"title":"\\ud83d\\ude00 ok"}') },
    { name: "an escaped backslash before u", options: raw('{"title":"\\\\ud800 ok"}') },
  ])("accepts well-formed text sent as $name", async ({ name, options }) => {
    const response = await call("POST", "/api/tasks", { ...options, as: owner });
    expect(response.status).toBe(201);
    const expected = name.startsWith("an escaped") ? "\\ud800 ok" : `${emoji} ok`;
    expect(((await response.json()) as Task).title).toBe(expected);
  });

  it("accepts limit=1 and limit=100", async () => {
    for (const limit of [1, 100]) {
      const response = await call("GET", `/api/tasks?limit=${limit}`, { as: owner });
      expect(response.status).toBe(200);
    }
  });
});
