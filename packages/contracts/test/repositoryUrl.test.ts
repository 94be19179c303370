import { describe, expect, it } from "vitest";
import {
  repositoryUrlCredentials,
  repositoryUrlProblem,
  ZRepositoryCreateInput,
  ZRepositoryUrl,
} from "../src/index.js";

const messageOf = (url: string) => {
  const checked = ZRepositoryUrl.safeParse(url);
  return checked.success ? undefined : checked.error.issues[0]?.message;
};

describe("credentials in a repository URL, split as restic's url.Parse splits them", () => {
  it("ends the userinfo at the last @ before the host, so a password may hold @ and :", () => {
    expect(repositoryUrlCredentials("rest:https://user:p@ss:w@rd@backup.example:8000/r")).toEqual({
      before: "rest:https://",
      user: "user",
      password: "p@ss:w@rd",
      after: "backup.example:8000/r",
    });
  });

  it("keeps percent-encoding as written", () => {
    expect(repositoryUrlCredentials("rest:http://u%3Ax:a%2Fb%23c@host/r")).toMatchObject({
      user: "u%3Ax",
      password: "a%2Fb%23c",
      after: "host/r",
    });
  });

  it("tells a user without a password from one with an empty password", () => {
    expect(repositoryUrlCredentials("sftp://backup@host/srv")?.password).toBeNull();
    expect(repositoryUrlCredentials("rest:http://backup:@host/r")?.password).toBe("");
  });

  it("finds none after the host, in the short forms or in local paths", () => {
    expect(repositoryUrlCredentials("rest:https://host/team@example/r")).toBeUndefined();
    expect(repositoryUrlCredentials("rest:https://host/r?x=a@b")).toBeUndefined();
    expect(repositoryUrlCredentials("sftp:backup@host:/srv/restic")).toBeUndefined();
    expect(repositoryUrlCredentials("/srv/backups://x:y@z")).toBeUndefined();
  });
});

describe("repository strings the schema accepts", () => {
  it.each([
    "rest:https://backup.example.org/host1",
    "rest:http://127.0.0.1:8000/",
    "rest:https://user:p@ss:w%2Fo%25r%23d%20x@backup.example.org:8000/r",
    "rest:http://[::1]:8000/r",
    "rest:https://[fe80::1%25eth0]/r",
    "rest:http://[::ffff:192.0.2.1]/r",
    "rest:http+unix:///run/rest.sock:/r/",
    "sftp:backup@nas.lan:/srv/restic",
    "sftp:nas:/srv/restic",
    "sftp:ad@corp@nas.lan:/srv/restic",
    "sftp://backup@nas.lan:2222//srv/restic",
    "sftp://[2001:db8::1]/srv/restic",
    "s3:s3.amazonaws.com/bucket/prefix",
    "s3:https://minio.lan:9000/bucket",
    "s3://minio_1.lan/bucket",
    "b2:bucket:path",
    "azure:container:/path",
    "gs:bucket:/",
    "swift:container:/path",
    "rclone:remote:path",
    "rclone:my nas:backups/restic",
    "/srv/restic",
    "C:\\Backups\\restic",
    "\\\\server\\share\\restic",
  ])("%s", (url) => {
    expect(repositoryUrlProblem(url)).toBeUndefined();
    expect(ZRepositoryUrl.parse(url)).toBe(url);
  });
});

describe("a host beginning with - never reaches ssh or another program as an option", () => {
  it.each([
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's ${IFS}, not a placeholder
    "sftp:-oProxyCommand=touch${IFS}/tmp/x:/repo",
    "sftp://-oProxyCommand=x/repo",
    "sftp:user@-oProxyCommand=x:/repo",
    "sftp:a@b@-oProxyCommand=x:/repo",
    "sftp://user@-oProxyCommand=x:22/repo",
    "rest:https://-oProxyCommand=x/repo",
    "s3:-endpoint/bucket",
    "s3://-endpoint/bucket",
    "s3:https://-endpoint/bucket",
  ])("refuses %s", (url) => {
    expect(messageOf(url)).toMatch(/^The host may not begin with -/);
  });

  it("refuses what is no host name or address, without repeating the string", () => {
    for (const url of [
      "sftp:a@b@c@host:/repo",
      "sftp://[-oProxyCommand=x]/repo",
      "sftp://host%2D/repo",
      "rest:http://[::1:/r",
      "rest:http://[1::2::3]/r",
      "rest:http://999.1.1.1/r",
      "rest:http://bad_host$/r",
      "rest:http://::1/r",
    ]) {
      const message = messageOf(url);
      expect(message, url).toMatch(/^The host must be a host name or an IP address/);
      expect(message).not.toContain(url);
    }
  });

  it("refuses the option-like names of the kinds without a host", () => {
    expect(messageOf("rclone:--config=/etc/passwd:x")).toBe("The remote name may not begin with -");
    expect(messageOf("b2:-bucket:path")).toBe("The bucket or container name may not begin with -");
  });

  it("refuses rclone's on-the-fly remotes and connection-string options, which can run commands", () => {
    for (const url of [
      "rclone::sftp,host=nas,ssh='touch /tmp/owned':path",
      "rclone:nas,ssh='touch /tmp/owned':path",
      "rclone:remote",
    ]) {
      expect(messageOf(url), url).toMatch(/^Write an rclone repository as rclone:remote:path/);
    }
  });

  it("refuses bad ports, missing hosts, control characters and IPv6 in sftp's short form", () => {
    expect(messageOf("rest:http://host:0/r")).toBe("The port must be a number from 1 to 65535");
    expect(messageOf("rest:http://host:65536/r")).toBe("The port must be a number from 1 to 65535");
    expect(messageOf("rest:http:///r")).toBe("The host is missing");
    expect(messageOf("sftp::/srv")).toBe("The host is missing");
    expect(messageOf("sftp:user@[::1]:/srv")).toMatch(/needs the URL form/);
    expect(messageOf("sftp:host")).toMatch(/^Write an sftp repository as/);
    expect(messageOf("rest:ftp://host/r")).toMatch(/^Write a rest-server repository as/);
    expect(messageOf("rest:http://host/r\nsecond line")).toMatch(/control characters/);
    expect(messageOf("ftp://nowhere")).toMatch(/^Unknown kind of repository/);
  });

  it("checks the maintenance endpoint too", () => {
    const checked = ZRepositoryCreateInput.safeParse({
      name: "r",
      url: "rest:https://backup.example/r",
      password: "pw",
      maintenance: { url: "sftp:-oProxyCommand=x:/r", hostId: "h" },
      setup: { mode: "init", hostId: "h" },
    });
    expect(checked.success).toBe(false);
    expect(checked.error?.issues[0]).toMatchObject({
      path: ["maintenance", "url"],
      message: expect.stringMatching(/^The host may not begin with -/),
    });
  });
});

describe("a password that needs percent-encoding is explained, never echoed", () => {
  it.each([
    ["a space", "rest:http://user:two words@host/r"],
    ["a bare %", "rest:http://user:100%sure@host/r"],
    ["a / (the host would be part of the password)", "rest:http://user:a/b@host/r"],
    ["a # (the rest would be a fragment)", "rest:http://user:a#b@host/r"],
    ["a ?", "rest:http://user:a?b@host/r"],
    ["a character Go refuses in userinfo", "rest:http://user:a[b]@host/r"],
  ])("%s", (_what, url) => {
    const message = messageOf(url);
    expect(message).toMatch(
      /^Percent-encode the user name and password in the URL, e\.g\. % as %25/,
    );
    expect(message).toContain("RESTIC_REST_PASSWORD");
    expect(message).not.toContain("host");
  });
});
