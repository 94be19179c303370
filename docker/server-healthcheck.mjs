// The server image's health check: /healthz answers 200 while the server can reach its
// database. Node's own fetch, so the image needs no curl.
const port = process.env.RM_PORT || "8080";
try {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
    signal: AbortSignal.timeout(4000),
  });
  process.exit(response.ok ? 0 : 1);
} catch {
  process.exit(1);
}
