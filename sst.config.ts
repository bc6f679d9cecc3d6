import type { SSTConfig } from "sst";
import { AppStack } from "./infra/app-stack";
import { PRODUCTION_STAGES } from "./infra/stage-settings";

export const APP_NAME = "auth-jwt-bridge";

export default {
  config(input) {
    return {
      name: APP_NAME,
      region: input.region ?? process.env.AWS_REGION ?? "us-east-1",
    };
  },
  stacks(app) {
    // `sst dev` would proxy every Lambda to your machine through a deployed stage, so each
    // developer would need an AWS account; `npm start` runs the same handlers, route table and
    // authorizer rules locally with no account (docs/local-stack.md).
    if (app.mode === "dev") {
      throw new Error(
        "sst dev is not supported: run the whole stack locally with `npm start` (or `npm run dev`), deploy with `sst deploy`",
      );
    }
    // Every stage but production can be removed without leaving anything behind; production
    // keeps its defaults plus explicitly retained log groups.
    if (!PRODUCTION_STAGES.includes(app.stage)) app.setDefaultRemovalPolicy("destroy");
    app.stack(AppStack);
  },
} satisfies SSTConfig;
