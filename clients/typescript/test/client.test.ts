import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createCreditsClient,
  CreditsError,
  IdempotencyConflictError,
  InsufficientCreditsError,
  KEYED_POSTS,
  RateLimitedError,
  UnauthorizedError,
  ValidationError,
  verifyWebhook,
  WebhookVerificationError,
  type CreditsClient,
} from "../src/index.js";
import { startServer, type RunningServer } from "./server.js";

let server: RunningServer;
let credits: CreditsClient;
let customerSeq = 0;
const customer = (name: string) => `${name}_${process.pid}_${++customerSeq}`;

before(async () => {
  server = await startServer();
  credits = createCreditsClient({ baseUrl: server.baseUrl, apiKey: server.apiKey });
});

after(async () => {
  const { verify } = await server.stop();
  assert.match(verify, /: clean$/m);
});

async function balance(c: string): Promise<string> {
  const { data } = await credits.GET("/v1/customers/{customer}/wallets/{credit_type}", {
    params: { path: { customer: c, credit_type: "credits" } },
  });
  return data!.balance!;
}

async function grant(c: string, amount: string, key?: string) {
  return credits.POST("/v1/customers/{customer}/grants", {
    params: { path: { customer: c }, header: key ? { "Idempotency-Key": key } : {} },
    body: { credit_type: "credits", amount, source: "purchase" },
  });
}

describe("the typed client against ./credits serve", () => {
  test("grants, spends and reads with the document's types", async () => {
    const ann = customer("ann");
    const granted = await grant(ann, "10.00");
    assert.equal(granted.response.status, 201);
    assert.equal(granted.data!.amount, "10.00");
    const { data: spent } = await credits.POST("/v1/customers/{customer}/spend", {
      params: { path: { customer: ann } },
      body: { credit_type: "credits", amount: "2.50", feature: "chat" },
    });
    assert.equal(spent!.balance, "7.50");
    assert.equal(await balance(ann), "7.50");
  });

  test("the same Idempotency-Key replays; with another request it is an IdempotencyConflictError", async () => {
    const bob = customer("bob");
    await grant(bob, "5.00", "pay_1");
    await grant(bob, "5.00", "pay_1");
    assert.equal(await balance(bob), "5.00");
    await assert.rejects(grant(bob, "6.00", "pay_1"), (e: unknown) => {
      assert.ok(e instanceof IdempotencyConflictError);
      assert.equal(e.status, 409);
      return true;
    });
    assert.equal(await balance(bob), "5.00");
  });

  test("a spend beyond the balance is an InsufficientCreditsError with the numbers", async () => {
    const cat = customer("cat");
    await grant(cat, "1.00");
    await assert.rejects(
      credits.POST("/v1/customers/{customer}/spend", {
        params: { path: { customer: cat } },
        body: { credit_type: "credits", amount: "3.00" },
      }),
      (e: unknown) => {
        assert.ok(e instanceof InsufficientCreditsError);
        assert.equal(e.status, 402);
        assert.equal(e.code, "insufficient_credits");
        assert.equal(e.balance, "1.00");
        assert.equal(e.required, "3.00");
        assert.ok(e.requestId, "the answer's X-Request-Id is kept");
        return true;
      },
    );
    assert.equal(await balance(cat), "1.00");
  });

  test("a bad amount is a ValidationError naming the field; a wrong key an UnauthorizedError", async () => {
    const dan = customer("dan");
    await assert.rejects(grant(dan, "1.234"), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.status, 422);
      assert.ok(e.code === "invalid_amount" || e.code === "validation_failed", e.code);
      return true;
    });
    const stranger = createCreditsClient({ baseUrl: server.baseUrl, apiKey: "sk_wrong", retries: 0 });
    await assert.rejects(
      stranger.GET("/v1/customers/{customer}/wallets", { params: { path: { customer: dan } } }),
      (e: unknown) => e instanceof UnauthorizedError && e.status === 401,
    );
    assert.equal(await balance(dan), "0.00");
  });

  test("a 503 is retried with the same Idempotency-Key, so the grant is applied once", async () => {
    const eve = customer("eve");
    const seen: string[] = [];
    let failures = 1;
    const flaky: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      seen.push(request.headers.get("Idempotency-Key") ?? "");
      const answer = await fetch(request);
      if (failures-- > 0) {
        // the server applied it, but the answer was lost behind an unavailable proxy
        return new Response(JSON.stringify({ code: "unavailable", status: 503, title: "x", detail: "x", type: "x" }),
          { status: 503, headers: { "content-type": "application/problem+json", "retry-after": "0" } });
      }
      return answer;
    };
    const client = createCreditsClient({ baseUrl: server.baseUrl, apiKey: server.apiKey, fetch: flaky, backoffMs: 1 });
    const { data } = await client.POST("/v1/customers/{customer}/grants", {
      params: { path: { customer: eve } },
      body: { credit_type: "credits", amount: "4.00", source: "purchase" },
    });
    assert.equal(data!.amount, "4.00");
    assert.equal(seen.length, 2);
    assert.ok(seen[0]!.length > 0);
    assert.equal(seen[0], seen[1], "the retry carries the first attempt's key");
    assert.equal(await balance(eve), "4.00");
  });

  test("429 waits Retry-After; retries end in a typed error", async () => {
    const at: number[] = [];
    const limited: typeof fetch = async () => {
      at.push(Date.now());
      return new Response(JSON.stringify({ code: "rate_limited", status: 429, title: "x", detail: "slow down", type: "x" }),
        { status: 429, headers: { "content-type": "application/problem+json", "retry-after": "1" } });
    };
    const client = createCreditsClient({ baseUrl: server.baseUrl, apiKey: server.apiKey, fetch: limited, retries: 2, backoffMs: 1 });
    await assert.rejects(client.GET("/v1/credit-types"), (e: unknown) => e instanceof RateLimitedError && e.status === 429);
    assert.equal(at.length, 3);
    assert.ok(at[1]! - at[0]! >= 950 && at[2]! - at[1]! >= 950, `waited ${at[1]! - at[0]!} and ${at[2]! - at[1]!} ms`);
  });

  test("a POST to the one route without keys (Stripe's webhook) gets none and is not retried on 503", async () => {
    let calls = 0;
    const sent: (string | null)[] = [];
    const unavailable: typeof fetch = async (input, init) => {
      calls++;
      sent.push(new Request(input, init).headers.get("Idempotency-Key"));
      return new Response("{}", { status: 503, headers: { "content-type": "application/problem+json" } });
    };
    const client = createCreditsClient({ baseUrl: server.baseUrl, apiKey: server.apiKey, fetch: unavailable, backoffMs: 1 });
    await assert.rejects(client.POST("/v1/stripe/webhook", { params: { header: { "Stripe-Signature": "t=1,v1=00" } }, body: {} }),
      (e: unknown) => e instanceof CreditsError && e.status === 503);
    assert.deepEqual(sent, [null]);
    assert.equal(calls, 1);
  });

  test("an aborted request stops waiting at once", async () => {
    const limited: typeof fetch = async () => new Response("{}", { status: 503, headers: { "retry-after": "10" } });
    const client = createCreditsClient({ baseUrl: server.baseUrl, apiKey: server.apiKey, fetch: limited });
    const started = Date.now();
    await assert.rejects(client.GET("/v1/credit-types", { signal: AbortSignal.timeout(200) }));
    assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
  });

  test("a webhook delivery verifies with the endpoint's secret; a changed body does not", async () => {
    const received: { headers: IncomingMessage["headers"]; body: Buffer }[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      const port = (receiver.address() as { port: number }).port;
      const { data: endpoint } = await credits.POST("/v1/webhook-endpoints", {
        body: { url: `http://127.0.0.1:${port}/hook`, events: ["credits.granted"] },
      });
      const secret = (endpoint as { secret: string }).secret;
      assert.match(secret, /^whsec_/);
      const fay = customer("fay");
      await grant(fay, "3.00");
      const deadline = Date.now() + 30_000;
      let mine;
      while (!(mine = received.find((r) => r.body.includes(fay))) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(mine, "credits.granted delivered");
      const headers = Object.fromEntries(Object.entries(mine.headers).map(([k, v]) => [k, String(v)]));
      const event = verifyWebhook(secret, headers, mine.body);
      assert.equal(event.type, "credits.granted");
      assert.equal(event.id, headers["webhook-id"]);
      const tampered = Buffer.from(mine.body.toString().replace("3.00", "300.00"));
      assert.throws(() => verifyWebhook(secret, headers, tampered), WebhookVerificationError);
      assert.throws(() => verifyWebhook(secret, headers, mine.body, { nowSeconds: Number(headers["webhook-timestamp"]) + 3600 }),
        WebhookVerificationError);
      assert.throws(() => verifyWebhook("whsec_" + Buffer.from("another").toString("base64"), headers, mine.body),
        WebhookVerificationError);
    } finally {
      receiver.close();
    }
  });

  test("every POST but Stripe's webhook takes an Idempotency-Key, as API.md has it", async () => {
    const document = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as { paths: Record<string, { post?: unknown }> };
    const posts = Object.entries(document.paths).filter(([, item]) => item.post).map(([path]) => path);
    assert.ok(posts.length > 20, `${posts.length} POST routes`);
    assert.deepEqual(posts.filter((path) => !KEYED_POSTS.has(path)), ["/v1/stripe/webhook"]);
  });

  test("the committed sources are what the live server's /openapi.json generates", async () => {
    const { render } = await import(pathToFileURL(join(here(), "../../scripts/render.mjs")).href);
    const live = await render(new URL(`${server.baseUrl}/openapi.json`));
    for (const name of ["schema", "keyed"] as const) {
      const committed = readFileSync(join(here(), `../../src/${name}.ts`), "utf8");
      assert.equal(live[name], committed, `run \`npm run generate\` and commit src/${name}.ts`);
    }
  });
});

function here(): string {
  return dirname(fileURLToPath(import.meta.url));
}
