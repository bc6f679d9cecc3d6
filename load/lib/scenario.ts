import type { Options } from "k6/options";
import { readBoolean, readDuration, SUMMARY_TREND_STATS } from "./config.ts";
import { createUsers, deleteUsers, type LoadUser } from "./users.ts";

export interface OpenLoopSettings {
  /** Iterations started per second (constant arrival rate: an open loop). */
  rate: number;
  duration: string;
  vus: { preAllocatedVUs: number; maxVUs: number };
  /** The script's own targets; every script also holds failures under 1% and checks over 99%. */
  thresholds: Record<string, string[]>;
}

/** The options every load script shares: one open-loop scenario named after the script. */
export function openLoopOptions(scenario: string, settings: OpenLoopSettings): Options {
  return {
    scenarios: {
      [scenario]: {
        executor: "constant-arrival-rate",
        rate: settings.rate,
        timeUnit: "1s",
        duration: settings.duration,
        ...settings.vus,
        gracefulStop: "10s",
      },
    },
    thresholds: {
      ...settings.thresholds,
      http_req_failed: ["rate<0.01"],
      checks: ["rate>0.99"],
    },
    setupTimeout: readDuration("SETUP_TIMEOUT", "5m"),
    teardownTimeout: readDuration("TEARDOWN_TIMEOUT", "5m"),
    summaryTrendStats: SUMMARY_TREND_STATS,
  };
}

export interface UsersData {
  users: LoadUser[];
}

/**
 * A script's `setup` (its users, created once for the run) and `teardown` (removes this run's
 * users; KEEP_USERS=true leaves them, e.g. to inspect a failure).
 */
export function usersLifecycle(count: number): {
  setup: () => UsersData;
  teardown: (data: UsersData) => void;
} {
  const keepUsers = readBoolean("KEEP_USERS", false);
  return {
    setup: () => ({ users: createUsers(count) }),
    teardown: (data) => {
      if (!keepUsers) deleteUsers(data.users);
    },
  };
}
