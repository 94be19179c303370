/**
 * Real alert receivers on loopback, the same ones the API's channel tests use: an HTTP
 * receiver, a real `ntfy serve` from .tools/bin, and an SMTP server (the `smtp-server`
 * package) with a self-signed certificate. Shared from there so both suites speak to the
 * receivers the same way.
 */
export {
  startHttpReceiver,
  startNtfy,
  startSmtp,
} from "../../apps/api/test/support/channels";
