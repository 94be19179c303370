import { randomBytes } from "node:crypto";

let counter = 0;

/**
 * A row id of the shape Prisma's `cuid()` makes (25 characters: `c`, the time, a counter and
 * random digits, in base 36), for rows the server inserts with its own statements. Ids made
 * in one process sort in the order they were made.
 */
export function newId(): string {
  counter = (counter + 1) % 36 ** 4;
  const time = Date.now().toString(36).padStart(8, "0");
  const count = counter.toString(36).padStart(4, "0");
  const random = BigInt(`0x${randomBytes(8).toString("hex")}`)
    .toString(36)
    .padStart(12, "0")
    .slice(-12);
  return `c${time}${count}${random}`;
}
