import type { ZodError } from "zod";
import type { FieldError } from "./task-schemas";

/** Where a validation target sits in the HTTP request. */
export function locationOf(target: string): FieldError["location"] {
  if (target === "json") return "body";
  if (target === "query") return "query";
  if (target === "param") return "path";
  return "header";
}

/** One entry per problem; every unknown field gets its own entry so clients can point at it. */
export function fieldErrorsOf(error: ZodError, location: FieldError["location"]): FieldError[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        location,
        field: [...path, key].join("."),
        message: "is not a known field",
      }));
    }
    return [{ location, field: path.join("."), message: issue.message }];
  });
}
