/**
 * The link in a verification mail (sign-up or change of address): confirms the token, which signs
 * the browser in, then goes to the tasks. A link that fails offers to send a new one.
 */
import { createAccessTokenSource } from "./access-token";
import { ApiError } from "./api-error";
import { authClient, callAuth } from "./auth-client";
import { BAD_LINK_MESSAGE, describeAuthFailure } from "./auth-errors";
import { leaveTo, PATHS, queryParam, rememberSignedIn } from "./navigation";
import { wireResendForm } from "./resend-verification";

const status = document.getElementById("verify-status");
const error = document.getElementById("verify-error");
const resend = document.getElementById("verify-resend");
const signIn = document.getElementById("verify-sign-in");

function fail(message: string): void {
  if (status) status.textContent = "";
  if (error) error.textContent = message;
  if (resend) resend.hidden = false;
  if (signIn) signIn.hidden = false;
  wireResendForm();
}

/** A change of address answers with the updated user; a first confirmation with `user: null`. */
function confirmsNewAddress(answer: unknown): boolean {
  return typeof answer === "object" && answer !== null && "user" in answer && Boolean(answer.user);
}

async function verify(token: string): Promise<void> {
  const result = await callAuth((fetchOptions) =>
    authClient.verifyEmail({ query: { token }, fetchOptions }),
  );
  if (!result.ok) {
    fail(describeAuthFailure(result.failure, "verify-email").message);
    return;
  }
  try {
    // The answer set the session cookie; a token proves it before the tasks page needs one.
    await createAccessTokenSource().get();
    rememberSignedIn();
    leaveTo(PATHS.tasks);
  } catch (problem) {
    if (!(problem instanceof ApiError && problem.kind === "session-ended")) {
      fail(problem instanceof ApiError ? problem.message : "Something went wrong. Try again.");
    } else if (confirmsNewAddress(result.data)) {
      // A change of address confirmed from a browser that is not signed in.
      if (status) status.textContent = "Your new address is confirmed. Sign in with it.";
      if (signIn) signIn.hidden = false;
    } else {
      // Better Auth answers a second use of a confirmed link with success but no session.
      fail(BAD_LINK_MESSAGE);
    }
  }
}

const token = queryParam("token");
if (token) void verify(token);
else fail(BAD_LINK_MESSAGE);
