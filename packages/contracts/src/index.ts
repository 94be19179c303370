export * from "./agent.js";
export * from "./audit.js";
export * from "./auth.js";
export * from "./roles.js";
