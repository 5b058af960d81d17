import type { components } from "./schema.js";

/** The problem+json body every error of the API has (RFC 9457, with the API's `code`). */
export type Problem = components["schemas"]["Problem"];
export type ProblemCode = Problem["code"];

/** An error answer of the API. `code` is the machine-readable outcome; see API.md. */
export class CreditsError extends Error {
  readonly status: number;
  readonly code: ProblemCode | string;
  readonly problem: Problem | undefined;
  /** The X-Request-Id of the answer: quote it when asking about a failure. */
  readonly requestId: string | undefined;

  constructor(status: number, problem: Problem | undefined, requestId: string | undefined) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.name = new.target.name;
    this.status = status;
    this.code = problem?.code ?? (status >= 500 ? "internal_error" : "malformed_request");
    this.problem = problem;
    this.requestId = requestId;
  }
}

/** 402 insufficient_credits: the numbers a caller needs to say why. */
export class InsufficientCreditsError extends CreditsError {
  /** Decimal strings in the credit type's scale. */
  get balance(): string | undefined { return this.problem?.balance; }
  get available(): string | undefined { return this.problem?.available; }
  get required(): string | undefined { return this.problem?.required; }
}

/** 422: a field of the request is wrong; `errors` names it. */
export class ValidationError extends CreditsError {
  get errors(): { field?: string; message?: string }[] { return this.problem?.errors ?? []; }
}

/** 409 idempotency_conflict: the key was used before with another request. */
export class IdempotencyConflictError extends CreditsError {}
/** 401: no key, or one that is unknown or revoked. */
export class UnauthorizedError extends CreditsError {}
/** 403: the key's scope does not allow the route. */
export class ForbiddenError extends CreditsError {}
/** 404. */
export class NotFoundError extends CreditsError {}
/** 503 (after the retries): the server or its database is unavailable; retry with the key. */
export class UnavailableError extends CreditsError {}
/** 429 (after the retries): this API key's rate limit; nothing was done. */
export class RateLimitedError extends CreditsError {}

const BY_CODE: Record<string, typeof CreditsError> = {
  insufficient_credits: InsufficientCreditsError,
  validation_failed: ValidationError,
  invalid_amount: ValidationError,
  unknown_credit_type: ValidationError,
  idempotency_conflict: IdempotencyConflictError,
  unauthorized: UnauthorizedError,
  forbidden: ForbiddenError,
  not_found: NotFoundError,
  unavailable: UnavailableError,
  rate_limited: RateLimitedError,
};

/** The typed error of an answer that is not 2xx; reads the problem+json body if there is one. */
export async function errorOf(response: Response): Promise<CreditsError> {
  let problem: Problem | undefined;
  const type = response.headers.get("content-type") ?? "";
  const text = await response.text().catch(() => ""); // read once: the connection is freed
  if (type.includes("json")) {
    try {
      problem = JSON.parse(text) as Problem;
    } catch {
      problem = undefined;
    }
  }
  const requestId = response.headers.get("x-request-id") ?? undefined;
  const Type = (problem && BY_CODE[problem.code]) ?? CreditsError;
  return new Type(response.status, problem, requestId);
}
