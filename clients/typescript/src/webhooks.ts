import { createHmac, timingSafeEqual } from "node:crypto";

/** A delivery more than this far from now is refused, against replays (Standard Webhooks). */
export const TOLERANCE_SECONDS_DEFAULT = 5 * 60;
const SECRET_PREFIX = "whsec_";

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookVerificationError";
  }
}

/** The event a webhook delivers (docs/webhooks.md). */
export interface WebhookEvent {
  id: string;
  type: string;
  created_at?: string;
  data: Record<string, unknown>;
  [member: string]: unknown;
}

type Headers = Record<string, string | string[] | undefined> | globalThis.Headers;

function header(headers: Headers, name: string): string | undefined {
  if (typeof (headers as globalThis.Headers).get === "function") {
    return (headers as globalThis.Headers).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? record[Object.keys(record).find((k) => k.toLowerCase() === name) ?? ""];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks a delivery the Standard Webhooks way: `webhook-signature` holds `v1,<base64>` of
 * HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64 part of a
 * `whsec_` secret; several signatures (a rotation) or several secrets (yours, while you rotate)
 * may be given. `body` must be the raw bytes as received, not re-serialized JSON. Returns the
 * event; throws WebhookVerificationError for a bad signature, an old or future timestamp, or
 * a body that is not the event.
 */
export function verifyWebhook(
  secret: string | string[],
  headers: Headers,
  body: string | Uint8Array,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): WebhookEvent {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature");
  }
  if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookVerificationError("webhook-timestamp is not Unix seconds");
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? TOLERANCE_SECONDS_DEFAULT;
  if (Math.abs(now - Number(timestamp)) > tolerance) {
    throw new WebhookVerificationError("webhook-timestamp is too far from now");
  }
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : Buffer.from(body);
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, "utf8"), bytes]);
  const given = signatures.split(" ").filter((s) => s.startsWith("v1,")).map((s) => Buffer.from(s.slice(3), "base64"));
  const secrets = Array.isArray(secret) ? secret : [secret];
  const matches = secrets.some((s) => {
    if (!s.startsWith(SECRET_PREFIX)) throw new RangeError("a webhook secret starts with whsec_");
    const expected = createHmac("sha256", Buffer.from(s.slice(SECRET_PREFIX.length), "base64")).update(signed).digest();
    return given.some((g) => g.length === expected.length && timingSafeEqual(g, expected));
  });
  if (!matches) throw new WebhookVerificationError("no signature matches");
  let event: WebhookEvent;
  try {
    event = JSON.parse(bytes.toString("utf8")) as WebhookEvent;
  } catch {
    throw new WebhookVerificationError("the body is not JSON");
  }
  if (event.id !== id) throw new WebhookVerificationError("the event's id is not webhook-id");
  return event;
}
