import http, { type ClientRequest, type IncomingMessage } from "node:http";
import https from "node:https";
import { Writable } from "node:stream";
import {
  type TAgentCommand,
  type TLsNode,
  type TUploadFailure,
  UPLOAD_HEADERS,
} from "@restic-manager/contracts";
import { dump, ls, ResticError } from "@restic-manager/restic";
import type { AgentConfig } from "./config.js";
import type { Log } from "./log.js";

type UploadCommand = Extract<TAgentCommand, { type: "upload" }>;

/** How the agent reaches the server's upload endpoint; tests may swap it. */
export type Transport = (url: URL, options: http.RequestOptions) => ClientRequest;

const defaultTransport: Transport = (url, options) =>
  (url.protocol === "https:" ? https : http).request(url, options);

/** A download that cannot start, said to the server instead of the bytes. */
class UploadRefused extends Error {
  constructor(
    readonly reason: TUploadFailure["reason"],
    message: string,
  ) {
    super(message);
  }
}

/**
 * Streams a file (or a folder as .zip or .tar) from a snapshot to the server that asked for it:
 * `restic dump` into an HTTP PUT to `/agent/uploads/<id>`, with the agent's credential and the
 * command's secret. Nothing is written to this endpoint's disk either. The request opens with
 * the first byte, so a dump that fails at once is reported as a failure (`…/failure`) and the
 * browser gets its message; a dump that fails later cuts the upload, which the server passes on
 * as a broken download. If the server goes away, restic is stopped.
 */
export function createUploadHandler(options: {
  config: AgentConfig;
  log: Log;
  /** The server the agent is connected to now: the one that sent the command. */
  serverUrl: () => string;
  transport?: Transport;
}) {
  const { config, log, serverUrl, transport = defaultTransport } = options;
  const context = (command: UploadCommand) => ({
    bin: config.resticPath ?? "restic",
    ...(config.resticCacheDir ? { cacheDir: config.resticCacheDir } : {}),
    repository: command.repository,
  });
  const uploadUrl = (id: string, suffix = "") =>
    new URL(`${serverUrl()}/agent/uploads/${encodeURIComponent(id)}${suffix}`);
  const headers = (command: UploadCommand) => ({
    authorization: `Bearer ${config.credential}`,
    [UPLOAD_HEADERS.secret]: command.secret,
  });

  /** What the path is in the snapshot: its type and, for a file, its size. */
  async function lookUp(command: UploadCommand, signal: AbortSignal): Promise<TLsNode | null> {
    if (command.path === "/") return null;
    let node: TLsNode | undefined;
    await ls(
      context(command),
      { snapshotId: command.snapshotId, paths: [command.path] },
      {
        signal,
        onNode: (found) => {
          if (found.path === command.path) node = found;
        },
      },
    );
    if (!node) {
      throw new UploadRefused(
        "not-found",
        `${command.path} is not in snapshot ${command.snapshotId.slice(0, 8)}`,
      );
    }
    return node;
  }

  async function reportFailure(command: UploadCommand, failure: TUploadFailure) {
    const body = JSON.stringify(failure);
    const request = transport(uploadUrl(command.id, "/failure"), {
      method: "POST",
      headers: {
        ...headers(command),
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
      },
    });
    const response = await exchange(request, body);
    response.resume();
  }

  async function upload(command: UploadCommand, abort: AbortController) {
    const node = await lookUp(command, abort.signal);
    const isDir = node === null || node.type === "dir";
    if (isDir && !command.archive) {
      throw new UploadRefused(
        "bad-request",
        `${command.path} is a folder: download it as .zip or .tar`,
      );
    }
    if (!isDir && command.archive) {
      throw new UploadRefused(
        "bad-request",
        `${command.path} is not a folder: download it as it is, without an archive`,
      );
    }
    const size = node?.type === "file" ? node.size : null;
    const body = new UploadBody(
      () =>
        transport(uploadUrl(command.id), {
          method: "PUT",
          headers: {
            ...headers(command),
            "content-type": "application/octet-stream",
            ...(size !== null ? { [UPLOAD_HEADERS.size]: String(size) } : {}),
          },
        }),
      // The server (or the browser behind it) is gone: restic has nobody to write for.
      () => abort.abort(),
    );
    try {
      const outcome = await dump(
        context(command),
        {
          snapshotId: command.snapshotId,
          path: command.path,
          ...(command.archive ? { archive: command.archive } : {}),
        },
        { output: body, signal: abort.signal },
      );
      await body.finish();
      return outcome.sizeBytes;
    } catch (error) {
      if (!body.opened) throw error;
      body.cut(error as Error);
      throw new UploadCut((error as Error).message);
    }
  }

  return async (command: UploadCommand): Promise<void> => {
    const abort = new AbortController();
    const started = Date.now();
    try {
      const bytes = await upload(command, abort);
      log.info("upload.sent", { id: command.id, bytes, ms: Date.now() - started });
    } catch (error) {
      if (error instanceof UploadCut) {
        log.warn("upload.cut", { id: command.id, message: error.message });
        return;
      }
      const failure: TUploadFailure =
        error instanceof UploadRefused
          ? { reason: error.reason, message: error.message }
          : {
              reason: "failed",
              message:
                error instanceof ResticError
                  ? error.message
                  : `agent error: ${(error as Error).message}`,
            };
      failure.message = failure.message.slice(0, 4000);
      log.warn("upload.failed", { id: command.id, ...failure });
      await reportFailure(command, failure).catch((reportError: unknown) =>
        log.warn("upload.report_failed", {
          id: command.id,
          message: (reportError as Error).message,
        }),
      );
    }
  };
}

/** The upload broke after bytes were sent: the server already passes that on to the browser. */
class UploadCut extends Error {}

/** Sends `request` with `body` and resolves with a 2xx response; anything else is an error. */
function exchange(request: ClientRequest, body: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request.on("error", reject);
    request.once("response", (response) => {
      if ((response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300) {
        resolve(response);
        return;
      }
      readText(response).then(
        (text) => reject(new Error(`the server answered ${response.statusCode}: ${text}`)),
        reject,
      );
    });
    request.end(body);
  });
}

async function readText(response: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of response) {
    if (text.length < 1000) text += String(chunk);
  }
  return text.trim().slice(0, 1000);
}

/**
 * The PUT's body as a stream restic's dump writes into. The request is opened by the first
 * byte (or by `finish`, for an empty file). Backpressure is the request's: a write completes
 * when the socket took it. When the request fails (the server refused it, or went away),
 * `onGone` is called once, which stops restic; until it has stopped, its writes are dropped
 * (the stream itself never fails, so the dump is never left waiting on it).
 */
class UploadBody extends Writable {
  private request: ClientRequest | undefined;
  private failure: Error | undefined;
  private waiting: (() => void) | undefined;
  private response: Promise<IncomingMessage> | undefined;
  private ending = false;

  constructor(
    private readonly open: () => ClientRequest,
    private readonly onGone: () => void,
  ) {
    super({ highWaterMark: 256 * 1024 });
  }

  get opened(): boolean {
    return this.request !== undefined;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void) {
    if (this.failure) {
      done();
      return;
    }
    const request = this.ensureOpen();
    if (request.write(chunk)) {
      done();
      return;
    }
    this.waiting = done;
    request.once("drain", () => this.release());
  }

  /** Ends the upload and waits for the server to say it passed it all on. */
  async finish(): Promise<void> {
    if (this.failure) throw this.failure;
    const request = this.ensureOpen();
    this.ending = true;
    request.end();
    const response = await (this.response as Promise<IncomingMessage>);
    response.resume();
  }

  /** Breaks the upload off, so the server sees an incomplete body, never a complete one. */
  cut(error: Error) {
    this.fail(error);
    this.request?.destroy(error);
  }

  private ensureOpen(): ClientRequest {
    if (this.request) return this.request;
    const request = this.open();
    this.request = request;
    let refused: number | undefined;
    const gone = (error: Error) => {
      const reason =
        refused !== undefined
          ? new Error(`the server refused the upload (HTTP ${refused})`)
          : error;
      this.fail(reason);
      return reason;
    };
    this.response = new Promise<IncomingMessage>((resolve, reject) => {
      request.once("response", (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300 && this.ending) {
          resolve(response);
          return;
        }
        // A refusal, or any answer before the end: the server will not take the rest.
        refused = status;
        reject(gone(new Error(`HTTP ${status}`)));
        request.destroy();
      });
      request.on("error", (error) => reject(gone(error)));
      request.once("close", () => reject(gone(new Error("the connection to the server closed"))));
    });
    // The request may fail before anyone waits on its response.
    this.response.catch(() => undefined);
    return request;
  }

  private release() {
    const done = this.waiting;
    this.waiting = undefined;
    done?.();
  }

  private fail(error: Error) {
    if (this.failure) return;
    this.failure = error;
    this.release();
    this.onGone();
  }
}
