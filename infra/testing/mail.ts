import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MailKind, MailSender } from "../../functions/mail/mail-port";
import { createOutboxMailSender, listOutbox, type OutboxMessage } from "../local/outbox";

/**
 * Account mail in tests goes where `npm start` puts it: the local outbox, here one temporary
 * data directory per test process (addresses are unique per test, so suites never mix).
 */
let outboxDir: Promise<string> | undefined;

function testOutboxDir(): Promise<string> {
  outboxDir ??= mkdtemp(join(tmpdir(), "auth-test-outbox-")).then((dir) => {
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  });
  return outboxDir;
}

/** The outbox adapter on this process's test outbox. */
export function testMailSender(): MailSender {
  return {
    async send(message) {
      await createOutboxMailSender(await testOutboxDir()).send(message);
    },
  };
}

/** Every message to `to` (any case), newest first, optionally of one kind. */
export async function mailTo(
  to: string,
  kind?: MailKind,
  dataDir?: string,
): Promise<OutboxMessage[]> {
  const { messages } = await listOutbox(dataDir ?? (await testOutboxDir()));
  return messages.filter(
    (message) =>
      message.to.toLowerCase() === to.toLowerCase() &&
      (kind === undefined || message.kind === kind),
  );
}

/** The newest message to `to` of `kind`; throws when there is none. */
export async function newestMailTo(
  to: string,
  kind: MailKind,
  dataDir?: string,
): Promise<OutboxMessage> {
  const [newest] = await mailTo(to, kind, dataDir);
  if (!newest) throw new Error(`no ${kind} mail in the outbox`);
  return newest;
}

/** The first http(s) link of a message's text part. */
export function mailLinkOf(message: OutboxMessage): URL {
  const match = /https?:\/\/\S+/.exec(message.text);
  if (!match) throw new Error(`the ${message.kind} mail has no link`);
  return new URL(match[0]);
}

/** The `token` query parameter of a message's link. */
export function mailTokenOf(message: OutboxMessage): string {
  const token = mailLinkOf(message).searchParams.get("token");
  if (!token) throw new Error(`the ${message.kind} mail's link has no token`);
  return token;
}
