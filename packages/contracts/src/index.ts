export * from "./agent.js";
export * from "./audit.js";
export * from "./auth.js";
export * from "./ids.js";
export * from "./job-results.js";
export * from "./jobs.js";
export * from "./repositories.js";
export * from "./roles.js";
