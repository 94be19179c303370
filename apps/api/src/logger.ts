import { pino } from "pino";
import type { LogLevel } from "./config.js";

export type Logger = pino.Logger;

/** Structured JSON logs. Field names that may carry secrets are censored wherever they appear. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "restic-manager" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          "password",
          "*.password",
          "*.currentPassword",
          "*.newPassword",
          "token",
          "*.token",
          "secret",
          "*.secret",
          "req.headers.authorization",
          "req.headers.cookie",
          'res.headers["set-cookie"]',
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
