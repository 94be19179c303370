import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingHttpHeaders } from "node:http";
import { createServer as createNetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { toolOrPath, waitFor } from "@restic-manager/test-support";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import type { Db } from "../../src/db.js";

/** Real receivers on loopback for the channel tests: HTTP, ntfy, SMTP. */

// ── HTTP ────────────────────────────────────────────────────────────────────────────

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers: 200, another status, never, or with bytes that are not HTTP. */
export type ReceiverMode = { status: number } | "hang" | "garbage";

export async function startHttpReceiver(initial: ReceiverMode = { status: 200 }) {
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  let mode = initial;
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      if (mode === "hang") return;
      if (mode === "garbage") {
        req.socket.end("\x00\x01 this is not HTTP at all\r\n\r\n");
        return;
      }
      res.statusCode = mode.status;
      res.end(mode.status === 200 ? "thanks" : "not today");
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setMode(next: ReceiverMode) {
      mode = next;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port nothing listens on now (for servers that cannot take port 0). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ── ntfy ────────────────────────────────────────────────────────────────────────────

export interface NtfyMessage {
  id: string;
  event: string;
  topic: string;
  title?: string;
  message: string;
  priority?: number;
  tags?: string[];
  click?: string;
}

/**
 * A real `ntfy serve` (Debian's ntfy, from .tools/bin) on loopback with its own cache and auth
 * files; everyone is denied but `alice`, who has a password and an access token.
 */
export async function startNtfy() {
  const bin = toolOrPath("ntfy");
  const dir = mkdtempSync(path.join(tmpdir(), "rm-ntfy-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const authFile = path.join(dir, "auth.db");
  const child: ChildProcess = spawn(
    bin,
    [
      "serve",
      "--config",
      "/dev/null",
      "--listen-http",
      `127.0.0.1:${port}`,
      "--base-url",
      url,
      "--cache-file",
      path.join(dir, "cache.db"),
      "--auth-file",
      authFile,
      "--auth-default-access",
      "deny-all",
      "--attachment-cache-dir",
      path.join(dir, "attachments"),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  let token: string;
  try {
    await waitFor(() => output.includes("Listening on"), {
      timeoutMs: 15_000,
      what: `ntfy to listen (${output})`,
    });
    // The auth file exists once the server has started; users go in with ntfy's own CLI.
    const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const run = spawnSync(bin, [args[0] ?? "", "--auth-file", authFile, ...args.slice(1)], {
        env: { ...process.env, ...env },
        encoding: "utf8",
      });
      if (run.status !== 0) throw new Error(`ntfy ${args.join(" ")}: ${run.stderr}`);
      return `${run.stdout}${run.stderr}`;
    };
    cli(["user", "add", "--role=admin", "alice"], { NTFY_PASSWORD: "alice-password" });
    const created = cli(["token", "add", "alice"]);
    const found = /\b(tk_\w+)/.exec(created)?.[1];
    if (!found) throw new Error(`no ntfy token in: ${created}`);
    token = found;
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    token,
    username: "alice",
    password: "alice-password",
    /** What the topic holds, read back through ntfy's API. */
    async messages(topic: string): Promise<NtfyMessage[]> {
      const response = await fetch(`${url}/${topic}/json?poll=1`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const text = await response.text();
      return text
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as NtfyMessage)
        .filter((m) => m.event === "message");
    },
    stop,
  };
}

// ── SMTP ────────────────────────────────────────────────────────────────────────────

/** A self-signed certificate for localhost and 127.0.0.1, made with openssl for this test. */
export function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "rm-cert-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "cert.pem"),
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
      ],
      { stdio: "pipe" },
    );
    return {
      key: readFileSync(path.join(dir, "key.pem"), "utf8"),
      cert: readFileSync(path.join(dir, "cert.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ReceivedMail {
  /** Who authenticated, if anyone. */
  user: string | undefined;
  /** Whether the message came over TLS (implicit or STARTTLS). */
  secure: boolean;
  from: string;
  to: string[];
  raw: string;
  parsed: ParsedMail;
}

/**
 * A real SMTP server (the `smtp-server` package) on loopback with a self-signed certificate:
 * `tls` speaks TLS from the first byte, `starttls` upgrades on request; `plain` offers no TLS
 * at all. With `users`, AUTH PLAIN/LOGIN is required.
 */
export async function startSmtp(options: {
  mode: "tls" | "starttls" | "plain";
  users?: Record<string, string>;
}) {
  const mails: ReceivedMail[] = [];
  const { key, cert } = selfSignedCertificate();
  let counter = 0;
  const server = new SMTPServer({
    secure: options.mode === "tls",
    key,
    cert,
    logger: false,
    authMethods: ["PLAIN", "LOGIN"],
    authOptional: !options.users,
    allowInsecureAuth: options.mode === "plain",
    disabledCommands: options.mode === "plain" ? ["STARTTLS"] : [],
    onAuth(auth, _session, callback) {
      const password = options.users?.[auth.username ?? ""];
      if (password !== undefined && password === auth.password) {
        callback(null, { user: auth.username });
      } else {
        callback(new Error("Invalid username or password"));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        counter += 1;
        const id = `test-${counter}`;
        void simpleParser(raw).then((parsed) => {
          mails.push({
            user: typeof session.user === "string" ? session.user : undefined,
            secure: session.secure,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            parsed,
          });
          callback(null, `Message queued as ${id}`);
        });
      });
    },
  });
  // A client that walks away mid-handshake (one refusing the certificate) is an error event
  // here, not a test failure: kept for the test to look at.
  const errors: Error[] = [];
  server.on("error", (error) => errors.push(error));
  server.listen(0, "127.0.0.1");
  await once(server.server, "listening");
  const { port } = server.server.address() as { port: number };
  return {
    host: "127.0.0.1",
    port,
    mails,
    errors,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ── Alerts and deliveries written straight to the database ─────────────────────────

let alertCounter = 0;

/** An open alert as the alert service would record it (that service is tested elsewhere). */
export async function insertAlert(
  db: Db,
  input: {
    hostId?: string;
    kind?: string;
    severity?: "info" | "warning" | "critical";
    state?: "raised" | "acknowledged" | "resolved";
    subject?: string;
    summary?: string;
    acknowledgedBy?: string;
  } = {},
) {
  alertCounter += 1;
  const now = new Date();
  const kind = input.kind ?? "job_failed";
  const key = `${kind}:${input.hostId ?? "-"}:t${alertCounter}`;
  const state = input.state ?? "raised";
  return db.alert.create({
    data: {
      key,
      openKey: state === "resolved" ? null : key,
      kind,
      severity: input.severity ?? "critical",
      state,
      hostId: input.hostId ?? null,
      subject: input.subject ?? `backup number ${alertCounter} failed`,
      summary: input.summary ?? "restic exited with code 1: unable to open repository",
      firstSeenAt: new Date(now.getTime() - 60_000),
      lastSeenAt: now,
      ...(state !== "raised"
        ? { acknowledgedAt: now, acknowledgedBy: input.acknowledgedBy ?? "alice" }
        : {}),
      ...(state === "resolved" ? { resolvedAt: now, resolvedBy: "system" } : {}),
    },
  });
}

export function insertHost(db: Db, name: string) {
  return db.host.create({
    data: { name, hostname: name, os: "linux", credentialHash: `hash-${name}` },
  });
}

/** A queued message, as alerts/deliveries.ts queues it. */
export function queueDelivery(
  db: Db,
  input: {
    alertId: string;
    channelId: string;
    event: "raised" | "acknowledged" | "resolved" | "reminder";
    state?: "pending" | "held" | "sending";
  },
) {
  return db.alertDelivery.create({
    data: {
      alertId: input.alertId,
      channelId: input.channelId,
      event: input.event,
      state: input.state ?? "pending",
      nextAttemptAt: new Date(),
    },
  });
}

/** Waits until a delivery has left the queue (sent or failed) or has made `attempts` tries. */
export function waitForDelivery(
  db: Db,
  id: string,
  until: { state?: "sent" | "failed"; attempts?: number } = { state: "sent" },
  timeoutMs = 15_000,
) {
  return waitFor(
    async () => {
      const delivery = await db.alertDelivery.findUnique({
        where: { id },
        include: { attemptLog: { orderBy: { at: "asc" } } },
      });
      if (!delivery) return undefined;
      // Either end returns, so a test asserting "sent" shows why it failed instead of timing out.
      if (until.state && (delivery.state === "sent" || delivery.state === "failed")) {
        return delivery;
      }
      if (until.attempts !== undefined && delivery.attempts >= until.attempts) return delivery;
      return undefined;
    },
    { timeoutMs, intervalMs: 50, what: `delivery ${id} (${JSON.stringify(until)})` },
  );
}
