// The one way the admin talks to the server: GraphQL over HTTP, same origin.
// No script holds a session token: the session is the HttpOnly cookie that
// `login(cookie: true)` sets, which the browser sends by itself.

/** Stable error codes of the API (DESIGN.md §4), plus NETWORK for no answer. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_COMPLEX'
  | 'INTERNAL'
  | 'NETWORK';

interface WireError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; field?: string };
}

/** One error of an answer, with the field it concerns when the server names one. */
export interface FieldError {
  message: string;
  code: ErrorCode;
  /** `extensions.field`, e.g. `title` or `body.fr.document.blocks[0].level`. */
  field?: string;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly errors: FieldError[];
  constructor(errors: FieldError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'ApiError';
    this.errors = errors;
    this.code = errors[0]?.code ?? 'INTERNAL';
  }
  /** The errors that name a field, by that field. */
  byField(): Map<string, string> {
    const out = new Map<string, string>();
    for (const e of this.errors) if (e.field) out.set(e.field, e.message);
    return out;
  }
}

const listeners = new Set<(e: ApiError) => void>();
/** Called on every UNAUTHENTICATED answer (the session module listens). */
export function onUnauthenticated(f: (e: ApiError) => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

export function toApiError(body: unknown, status: number): ApiError {
  const wire = (body as { errors?: WireError[] } | null)?.errors;
  if (!wire?.length) {
    return new ApiError([{ message: `HTTP ${status}`, code: status === 0 ? 'NETWORK' : 'INTERNAL' }]);
  }
  return new ApiError(
    wire.map((e) => ({
      message: e.message,
      code: (e.extensions?.code as ErrorCode | undefined) ?? 'INTERNAL',
      ...(e.extensions?.field ? { field: e.extensions.field } : {}),
    })),
  );
}

function fail(err: ApiError): never {
  if (err.errors.some((e) => e.code === 'UNAUTHENTICATED')) listeners.forEach((f) => f(err));
  throw err;
}

/** Sends one operation; resolves to `data`, or throws an ApiError. */
export async function gql<T>(query: string, variables?: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
      },
      body: JSON.stringify({ query, variables }),
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    fail(new ApiError([{ message: (e as Error).message, code: 'NETWORK' }]));
  }
  return readAnswer<T>(res.status, await res.text());
}

/** Turns a raw answer into `data` or an ApiError (shared with uploads). */
export function readAnswer<T>(status: number, text: string): T {
  let body: { data?: T | null; errors?: WireError[] } | null;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    fail(new ApiError([{ message: `HTTP ${status}`, code: status >= 500 ? 'INTERNAL' : 'NETWORK' }]));
  }
  if (body?.errors?.length || body?.data == null) fail(toApiError(body, status));
  return body.data as T;
}
