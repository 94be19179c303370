import { execFile, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { waitFor } from "@restic-manager/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createWorld, type World } from "./support/world.js";

const root = path.resolve(import.meta.dirname, "../../..");
const agentDist = path.join(root, "apps/agent/dist");

/**
 * "Add host" end to end: the one-line install served by the server downloads the bundled
 * agent, enrolls it and writes the systemd unit. It installs below a scratch root, and
 * `true` stands in for systemctl (no systemd runs here); the unit's own command line is then
 * started to prove the installed agent connects.
 */
describe("the one-line Linux install", () => {
  let world: World;
  let admin: Client;
  const installRoot = mkdtempSync(path.join(tmpdir(), "rm-install-"));
  let agent: ReturnType<typeof spawn> | undefined;

  beforeAll(async () => {
    execFileSync(process.execPath, ["build.mjs"], { cwd: path.join(root, "apps/agent") });
    world = await createWorld({ RM_AGENT_DIR: agentDist });
    await world.addUser("admin", "admin");
    admin = await world.signIn("admin");
  });

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      const exited = once(agent, "exit");
      agent.kill("SIGTERM");
      await exited;
    }
    await world.close();
  });

  it("downloads the agent, enrolls it and installs a service that connects", async () => {
    const enrollment = await admin.hosts.createEnrollment.mutate({ expiresInHours: 1 });
    expect(enrollment.installCommand).toBe(
      `curl -fsSL ${world.config.publicUrl}/agent/install.sh | sudo RM_ENROLL_TOKEN=${enrollment.token} sh`,
    );
    // The same pipeline, pointed at this test server, without sudo (tests run as root).
    // Asynchronous: the server answering curl runs in this very process.
    const script = `curl -fsSL ${world.server.url}/agent/install.sh | sed "s|^SERVER=.*|SERVER='${world.server.url}'|" | sh`;
    const { stdout: output } = await promisify(execFile)("sh", ["-c", script], {
      env: {
        ...process.env,
        RM_ENROLL_TOKEN: enrollment.token,
        RM_INSTALL_ROOT: installRoot,
        RM_SYSTEMCTL: "true",
      },
      encoding: "utf8",
    });
    expect(output).toContain("restic-manager agent installed and running");

    const installed = path.join(installRoot, "opt/restic-manager-agent/agent.mjs");
    expect(readFileSync(installed)).toEqual(readFileSync(path.join(agentDist, "agent.mjs")));
    const config = path.join(installRoot, "etc/restic-manager-agent/agent.json");
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(readFileSync(config, "utf8")).not.toContain(enrollment.token);

    const unit = readFileSync(
      path.join(installRoot, "etc/systemd/system/restic-manager-agent.service"),
      "utf8",
    );
    expect(unit).toContain("Restart=on-failure");
    expect(unit).toContain("User=root");
    const execStart = /^ExecStart=(.+)$/m.exec(unit)?.[1];
    expect(execStart).toBe(`${process.execPath} ${installed} run --config ${config}`);

    const [node = "", ...args] = (execStart ?? "").split(" ");
    agent = spawn(node, args, {
      env: { ...process.env, PATH: `${path.join(root, ".tools/bin")}:${process.env.PATH}` },
      stdio: "ignore",
    });
    const host = await waitFor(
      async () => (await admin.hosts.list.query()).items.find((h) => h.online),
      {
        timeoutMs: 30_000,
        what: "the installed agent to connect",
      },
    );
    expect(host).toMatchObject({ os: "linux", resticVersion: "0.18.0" });
    expect(host.agentVersion).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("serves a PowerShell install for Windows endpoints", async () => {
    const enrollment = await admin.hosts.createEnrollment.mutate({ expiresInHours: 1 });
    expect(enrollment.windowsInstallCommand).toBe(
      `$env:RM_ENROLL_TOKEN = "${enrollment.token}"; irm ${world.config.publicUrl}/agent/install.ps1 | iex`,
    );
    const script = await (await fetch(`${world.server.url}/agent/install.ps1`)).text();
    expect(script).toContain(`$Server = '${world.config.publicUrl}'`);
    expect(script).toContain("Join-Path $env:ProgramData 'restic-manager-agent'");
    expect(script).toContain("enroll --server $Server --config $Config --state-dir $State");
  });
});
