/** What the bench and its stack process (stack-process.ts) agree on. */
export const FLOOR_PATH = "/api/bench/select-1";

/** The stack process's one message to the bench, once it serves. */
export interface StackReady {
  url: string;
  databaseLabel: string;
}

/** The bench's one message to the stack process. */
export const STOP_MESSAGE = "stop";
