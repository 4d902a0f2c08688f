import type { ServerResponse } from 'node:http';

/**
 * Closes the connection once `response` has been sent, instead of keeping it alive for another
 * request. For an event stream that the server ends: `app.close()` closes only the connections
 * that are idle when it starts, and waits for the others, so a stream's connection that goes
 * idle an instant later would hold the shutdown until the client drops it.
 */
export function closeConnectionAfter(response: ServerResponse): void {
  const socket = response.socket; // taken now: Node detaches it from the response once sent
  if (socket === null || response.writableFinished) {
    socket?.end();
    return;
  }
  response.once('finish', () => socket.end());
}
