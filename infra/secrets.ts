/**
 * The secrets every stage needs, set once per stage with `npx sst secrets set <NAME> <value>`.
 * One list for the stack (`Config.Secret.create(stack, ...STAGE_SECRETS)`) and the pre-deploy
 * check (`infra/deploy/check-secrets.ts`), so the check asks for exactly what the stack binds.
 */
export const STAGE_SECRETS = ["BETTER_AUTH_SECRET", "DATABASE_URL"] as const;

export type StageSecretName = (typeof STAGE_SECRETS)[number];
