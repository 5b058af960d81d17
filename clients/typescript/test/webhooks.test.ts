import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "node:test";
import { verifyWebhook, WebhookVerificationError } from "../src/index.js";
import { retryAfterMs } from "../src/index.js";

const key = Buffer.from("a secret of the endpoint, 32 bytes!!");
const secret = "whsec_" + key.toString("base64");
const now = 1_800_000_000;
const body = JSON.stringify({ id: "evt_1", type: "credits.spent", data: { amount: "1.00" } });

function sign(k: Buffer, id: string, timestamp: number, payload: string): string {
  return "v1," + createHmac("sha256", k).update(`${id}.${timestamp}.${payload}`).digest("base64");
}

const headers = (signature: string, timestamp = now, id = "evt_1") => ({
  "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature,
});

test("a delivery signed with the secret verifies, from a record or from Headers", () => {
  const signature = sign(key, "evt_1", now, body);
  assert.equal(verifyWebhook(secret, headers(signature), body, { nowSeconds: now }).type, "credits.spent");
  assert.equal(verifyWebhook(secret, new Headers(headers(signature)), Buffer.from(body), { nowSeconds: now }).id, "evt_1");
});

test("during a rotation: either of two signatures, or either of two secrets", () => {
  const old = Buffer.from("the previous secret");
  const both = `${sign(old, "evt_1", now, body)} ${sign(key, "evt_1", now, body)}`;
  assert.ok(verifyWebhook(secret, headers(both), body, { nowSeconds: now }));
  const oldSecret = "whsec_" + old.toString("base64");
  assert.ok(verifyWebhook([oldSecret, secret], headers(sign(key, "evt_1", now, body)), body, { nowSeconds: now }));
});

test("each bad delivery is refused", () => {
  const good = sign(key, "evt_1", now, body);
  const refused = [
    () => verifyWebhook(secret, {}, body, { nowSeconds: now }),
    () => verifyWebhook(secret, headers("v1,AAAA"), body, { nowSeconds: now }),
    () => verifyWebhook(secret, headers(good.replace("v1,", "v2,")), body, { nowSeconds: now }),
    () => verifyWebhook(secret, headers(good), body + " ", { nowSeconds: now }),
    () => verifyWebhook(secret, headers(good), body, { nowSeconds: now + 301 }),
    () => verifyWebhook(secret, headers(good), body, { nowSeconds: now - 301 }),
    () => verifyWebhook(secret, headers(good, now, "evt_2"), body, { nowSeconds: now }),
    () => verifyWebhook(secret, { ...headers(good), "webhook-timestamp": "soon" }, body, { nowSeconds: now }),
    () => verifyWebhook(secret, headers(sign(key, "evt_2", now, body), now, "evt_2"), body, { nowSeconds: now }),
    () => verifyWebhook(secret, headers(sign(key, "evt_1", now, "not json")), "not json", { nowSeconds: now }),
  ];
  refused.forEach((verify, i) => assert.throws(verify, WebhookVerificationError, `case ${i}`));
  assert.throws(() => verifyWebhook("not-a-secret", headers(good), body, { nowSeconds: now }), RangeError);
});

test("Retry-After: seconds or an HTTP date, anything else ignored", () => {
  assert.equal(retryAfterMs("3"), 3000);
  assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6_000);
  assert.equal(retryAfterMs(null), undefined);
  assert.equal(retryAfterMs("soon"), undefined);
  assert.equal(retryAfterMs("-1"), undefined);
});

test("bad client options are refused when the client is made", async () => {
  const { createCreditsClient } = await import("../src/index.js");
  const base = { baseUrl: "http://127.0.0.1:1", apiKey: "sk_x" };
  assert.throws(() => createCreditsClient({ ...base, apiKey: "" }), RangeError);
  assert.throws(() => createCreditsClient({ ...base, retries: -1 }), RangeError);
  assert.throws(() => createCreditsClient({ ...base, retries: 1.5 }), RangeError);
  assert.throws(() => createCreditsClient({ ...base, backoffMs: 500, backoffMaxMs: 100 }), RangeError);
  assert.throws(() => createCreditsClient({ ...base, backoffMs: Number.NaN }), RangeError);
});
