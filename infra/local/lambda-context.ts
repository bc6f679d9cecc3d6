import type { Context } from "aws-lambda";

/** The Lambda `context` argument, as far as a local invocation can honestly fill it in. */
export function createLambdaContext(
  functionName: string,
  requestId: string,
  timeoutMs: number,
): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export class InvocationTimeout extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what} did not answer within ${timeoutMs} ms`);
    this.name = "InvocationTimeout";
  }
}

/** Calls a handler and settles within `timeoutMs`; the handler itself keeps running, as on AWS. */
export async function invokeWithTimeout<T>(
  what: string,
  timeoutMs: number,
  invoke: () => Promise<T> | T,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InvocationTimeout(what, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(invoke), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
