import { Agent, Dispatcher, fetch } from 'undici';

/** An Agent that records the form of each handler it is given: legacy or undici 7's. */
export class RecordingAgent extends Dispatcher {
  readonly forms: Array<'legacy' | 'new'> = [];
  readonly agent = new Agent();

  override dispatch(
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ): boolean {
    this.forms.push(typeof handler.onRequestStart === 'function' ? 'new' : 'legacy');
    return this.agent.dispatch(options, handler);
  }
  override close(): Promise<void> {
    return this.agent.close();
  }
  override destroy(): Promise<void> {
    return this.agent.destroy();
  }
}

/** What a fetch ended with: its status, or the error (fetch's TypeError, its cause inside). */
export async function attempt(
  url: string,
  init: { dispatcher?: unknown; signal?: AbortSignal } = {},
): Promise<number | (Error & { cause?: unknown })> {
  try {
    const response = await fetch(url, init as Parameters<typeof fetch>[1]);
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return error as Error & { cause?: unknown };
  }
}

/** A handler of undici 7's form (as an interceptor of one's own passes on), and what it heard. */
export function newFormHandler() {
  const heard = { status: 0, error: undefined as Error | undefined, ended: false };
  let done!: () => void;
  const settled = new Promise<void>((resolve) => (done = resolve));
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart() {},
    onResponseStart(_controller, status) {
      heard.status = status;
    },
    onResponseData() {},
    onResponseEnd() {
      heard.ended = true;
      done();
    },
    onResponseError(_controller, error) {
      heard.error = error;
      done();
    },
  };
  return { heard, settled, handler };
}
