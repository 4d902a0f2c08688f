import { Agent, get, type ClientRequest, type IncomingMessage } from 'node:http';

/** One Server-Sent Event as the admin stream sends it: `data` parsed from JSON. */
export interface ServerSentEvent {
  type: string;
  data: unknown;
}

/**
 * A minimal SSE client, so a test can wait for the event it expects. On `node:http` with a
 * keep-alive connection of its own, as a browser's: closing it closes exactly that connection,
 * and the server must end it to shut down promptly.
 */
export class EventStream {
  readonly events: ServerSentEvent[] = [];
  /** Settles when the stream ends, whichever side ends it. */
  readonly ended: Promise<void>;
  private readonly waiters = new Set<() => void>();
  private closed = false;

  private constructor(
    private readonly agent: Agent,
    private readonly request: ClientRequest,
    readonly response: IncomingMessage,
  ) {
    this.ended = new Promise((resolve) => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.push(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      });
      response.once('close', () => {
        this.closed = true;
        this.waiters.forEach((wake) => wake());
        resolve();
      });
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
    return new Promise((resolve, reject) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const request = get(url, { agent, headers: { accept: 'text/event-stream', ...headers } });
      request.once('response', (response) => resolve(new EventStream(agent, request, response)));
      request.once('error', reject);
    });
  }

  get status(): number {
    return this.response.statusCode!;
  }

  /**
   * The first event, already received or still to come, that `matches`. The wait is long: only
   * a broken stream reaches it (a working one is as fast as a busy machine allows).
   */
  next(matches: (event: ServerSentEvent) => boolean, timeoutMs = 15_000): Promise<ServerSentEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const got = JSON.stringify(this.events.map(({ type }) => type));
        reject(new Error(`no such event within ${timeoutMs} ms; got ${got}`));
      }, timeoutMs);
      const check = () => {
        const found = this.events.find(matches);
        if (found === undefined && !this.closed) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        if (found !== undefined) resolve(found);
        else reject(new Error('the stream ended before the event came'));
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Disconnects, as a browser tab that closes. */
  close(): void {
    this.request.destroy();
    this.agent.destroy();
  }

  private push(block: string): void {
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length === 0) return; // a comment
    this.events.push({ type, data: parse(data.join('\n')) });
    this.waiters.forEach((wake) => wake());
  }
}

function parse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}
