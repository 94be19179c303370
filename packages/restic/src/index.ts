/** The restic CLI wrapper: one module per command. Filled in with the agent. */
export const MIN_RESTIC_VERSION = "0.16.0";
