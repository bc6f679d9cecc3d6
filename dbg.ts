import { startLocalStack } from "./infra/local/stack";
import { mkdtemp } from "node:fs/promises";
const dataDir = await mkdtemp("/tmp/dbg-");
const stack = await startLocalStack({ port: 0, databaseUrl: process.argv[2] ?? "memory:x", dataDir, secret: "s".repeat(40), quiet: true, serveSite: false, emailVerification: false, rateLimit: false });
const t = async (what: string, f: () => Promise<Response>) => { const a = performance.now(); const r = await f(); const b = await r.text(); console.log(what, r.status, (performance.now() - a).toFixed(1), "ms", b.slice(0, 60)); return r; };
const origin = stack.url;
const h = { "content-type": "application/json", origin };
for (let i = 0; i < 3; i++) await t("health", () => fetch(`${origin}/api/health`));
const email = `u${Date.now()}@example.com`;
const su = await t("signup", () => fetch(`${origin}/api/auth/sign-up/email`, { method: "POST", headers: h, body: JSON.stringify({ email, password: "correct horse battery staple 9", name: "U" }) }));
const cookie = su.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
let token = "";
for (let i = 0; i < 4; i++) { const r = await fetch(`${origin}/api/auth/token`, { headers: { cookie, origin } }); const a = performance.now(); const j = await r.json() as {token:string}; token = j.token; console.log("token", r.status); }
for (let i = 0; i < 4; i++) { const a = performance.now(); const r = await fetch(`${origin}/api/auth/token`, { headers: { cookie, origin } }); await r.text(); console.log("token", r.status, (performance.now()-a).toFixed(1)); }
for (let i = 0; i < 5; i++) await t("tasks", () => fetch(`${origin}/api/tasks`, { headers: { authorization: `Bearer ${token}` } }));
console.log(stack.functions());
await stack.close();
