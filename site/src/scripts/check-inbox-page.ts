/** After sign-up: names the address the link went to (whatever the server knows about it). */
import { queryParam } from "./navigation";
import { wireResendForm } from "./resend-verification";

const address = document.getElementById("inbox-address");
const email = queryParam("email");
if (address && email) address.textContent = email;
wireResendForm();
