/**
 * A form that asks the server to mail a link to an address (resend verification, reset
 * password): the same confirmation whatever the address, then a quiet pause before the next.
 */
import type { AuthResult } from "./auth-client";
import type { AuthAction } from "./auth-errors";
import { checkedField, formShell, onValidSubmit, setMessage, showAuthFailure } from "./auth-form";
import { queryParam } from "./navigation";
import { checkEmail } from "./validation";

/** The server allows 3 mails a minute per address; the button rests between two of them. */
export const MAIL_REQUEST_COOLDOWN_MS = 20_000;

export interface MailRequestForm {
  formId: string;
  noticeId: string;
  action: AuthAction;
  request(email: string): Promise<AuthResult<unknown>>;
  confirmation(email: string): string;
}

export function wireMailRequestForm(options: MailRequestForm): void {
  const shell = formShell(options.formId);
  const notice = document.getElementById(options.noticeId);
  const email = checkedField(shell, "email", checkEmail);
  email.input.value ||= queryParam("email");

  onValidSubmit(shell, [email], "Sending…", async () => {
    if (notice) setMessage(notice, "");
    const address = email.input.value.trim();
    const result = await options.request(address);
    if (!result.ok) {
      showAuthFailure(shell, result.failure, options.action, { email: email.input });
      return;
    }
    if (notice) setMessage(notice, options.confirmation(address));
    return MAIL_REQUEST_COOLDOWN_MS;
  });
}
