import createClient, { type Client, type Middleware } from "openapi-fetch";
import { randomUUID } from "node:crypto";
import { errorOf } from "./errors.js";
import { KEYED_POSTS } from "./keyed.js";
import { retryingFetch, type RetryOptions } from "./retry.js";
import type { components, paths } from "./schema.js";

export * from "./errors.js";
export * from "./webhooks.js";
export { retryAfterMs, type RetryOptions } from "./retry.js";
export { KEYED_POSTS } from "./keyed.js";
export type { components, operations, paths } from "./schema.js";

export type CreditsClient = Client<paths>;
export type Schemas = components["schemas"];

export interface CreditsClientOptions extends RetryOptions {
  /** Where the server is, e.g. http://localhost:8080. */
  baseUrl: string;
  /** An API key (`./credits keys create`), sent as a bearer token. */
  apiKey: string;
  /** The fetch to send with; the global one by default. */
  fetch?: typeof fetch;
  /** Makes the Idempotency-Key of a POST that has none; a random UUID by default. */
  idempotencyKey?: () => string;
}

/**
 * A client of every route of the server's OpenAPI document, typed from it:
 * `const { data } = await credits.POST("/v1/customers/{customer}/spend", {...})`.
 * On top of openapi-fetch: the key on every request; an Idempotency-Key on every POST to a route
 * that takes one ({@link KEYED_POSTS}, from the document) and has none, the same on its retries,
 * so a write is applied once; retries of 429 and 503 with backoff (Retry-After first), of a POST
 * only when it has a key; and any answer that is not 2xx thrown as a typed CreditsError
 * (InsufficientCreditsError with balance and required, ValidationError with the fields, …).
 */
export function createCreditsClient(options: CreditsClientOptions): CreditsClient {
  if (!options.apiKey) throw new RangeError("apiKey is required");
  const base = options.fetch ?? globalThis.fetch;
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    fetch: retryingFetch(base, options),
  });
  const newKey = options.idempotencyKey ?? randomUUID;
  const middleware: Middleware = {
    onRequest({ request, schemaPath }) {
      request.headers.set("Authorization", `Bearer ${options.apiKey}`);
      if (request.method === "POST" && KEYED_POSTS.has(schemaPath)
          && !request.headers.has("Idempotency-Key")) {
        request.headers.set("Idempotency-Key", newKey());
      }
      return request;
    },
    async onResponse({ response }) {
      if (!response.ok) throw await errorOf(response);
      return response;
    },
  };
  client.use(middleware);
  return client;
}
