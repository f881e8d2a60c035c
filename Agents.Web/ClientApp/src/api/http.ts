// REST calls through the front door, with the session's token; non-2xx answers become an ApiError that says what to do.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly suggestions: string[] = [],
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }

  /** A sentence for people: what went wrong, then what they can do about it. */
  get advice(): string {
    if (this.status === 0) return 'The server cannot be reached. Check that the app is running, then try again.';
    if (this.status === 401) return 'Your sign-in has expired. Sign out and sign in again.';
    if (this.status === 404) return 'It does not exist, or you are not a member. Pick another one from the list.';
    if (this.status === 403) return 'Only the owner can do that.';
    if (this.status === 409) return 'It conflicts with what exists already; change it and try again.';
    if (this.status === 429) return 'Too many requests: wait a moment and try again.';
    if (this.status >= 500) return 'The server had a problem; try again in a moment.';
    return 'Check what you entered and try again.';
  }
}

type TokenSource = () => string | null;
let tokenSource: TokenSource = () => null;

export function useToken(source: TokenSource): void {
  tokenSource = source;
}

interface ProblemDetails {
  title?: string;
  detail?: string;
  suggestions?: string[];
  errors?: Record<string, string[]>;
}

export async function toApiError(response: Response): Promise<ApiError> {
  let problem: ProblemDetails = {};
  try {
    problem = (await response.json()) as ProblemDetails;
  } catch {
    // Not JSON (a proxy error page, for instance): the status says enough.
  }
  const fields = problem.errors ?? {};
  const fieldText = Object.values(fields).flat().join(' ');
  return new ApiError(
    response.status,
    problem.title ?? response.statusText ?? `HTTP ${response.status}`,
    problem.detail ?? (fieldText || undefined),
    problem.suggestions ?? [],
    fields,
  );
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  const token = tokenSource();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'No connection', undefined);
  }
  if (!response.ok) throw await toApiError(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Downloads a protected file (fetch with the token, then a temporary link), since a plain link cannot send the token. */
export async function download(path: string, fileName: string): Promise<void> {
  const token = tokenSource();
  const response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw await toApiError(response);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}
