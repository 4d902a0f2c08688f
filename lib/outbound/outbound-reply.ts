/** What an HTTP client answered: its status and its `Retry-After` header. */
export interface HttpReply {
  readonly status: number;
  readonly retryAfter: string | readonly string[] | undefined | null;
}

/**
 * An answer carried through the circuit as a rejection, so that the circuit counts it (a 5xx)
 * or ignores it (a 429, a 503 with `Retry-After`, a call the caller aborted), and given back to
 * the caller as it was: a value returned, or an error thrown.
 */
export class OutboundReply {
  constructor(
    readonly answer: unknown,
    readonly thrown: boolean,
    readonly counts: boolean,
  ) {}
}

/** What to make of a reply: a failure of the dependency, a request to hold off, or neither. */
export type ReplyVerdict = 'ok' | 'failure' | 'hold';

/**
 * 5xx are failures; 429, and 503 with `Retry-After`, are the upstream asking for room: held,
 * not counted (it answered, and said when to come back); other statuses are answers.
 */
export function verdictOf(reply: HttpReply, heldForMs: number | undefined): ReplyVerdict {
  const { status } = reply;
  if ((status === 429 || status === 503) && heldForMs !== undefined) return 'hold';
  return status >= 500 ? 'failure' : 'ok';
}
