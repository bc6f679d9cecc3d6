/** Landing page: signed-in visitors go straight to their tasks; a deleted account is confirmed. */
import { authClient } from "./auth-client";
import { leaveTo, PATHS } from "./navigation";

const notice = document.getElementById("landing-notice");
if (notice && new URLSearchParams(window.location.search).get("account") === "deleted") {
  notice.textContent = "Your account and all of its tasks were deleted.";
  window.history.replaceState(null, "", PATHS.home);
} else {
  authClient
    .getSession()
    .then(({ data }) => {
      if (data?.user) leaveTo(PATHS.tasks);
    })
    .catch(() => {
      // Without an answer the visitor simply stays on the landing page.
    });
}
