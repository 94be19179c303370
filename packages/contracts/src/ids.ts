import { z } from "zod";

/** A row id (cuid, prefixed random id). */
export const ZId = z.string().min(1).max(64);
/** The input of every procedure that names one row. */
export const ZById = z.object({ id: ZId });
