/**
 * The dashboard's live stream, in the browser: `GET basePath/events` read with `fetch()`, which
 * (unlike EventSource) sends the bearer token, and parsed as Server-Sent Events. Each event goes
 * to `streamEvent(type, data)`; a stream that ends or fails is opened again, and the server
 * starts each one with the whole list. Part of the page script's scope.
 */
export const DASHBOARD_STREAM_SCRIPT = `
  const RECONNECT_MS = 3000;

  async function connect() {
    try {
      const response = await api('/events', { headers: { accept: 'text/event-stream' } });
      if (!response.ok || !response.body) throw new Error(await failure(response));
      setLive('live', 'live');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.search(/\\r?\\n\\r?\\n/)) >= 0) {
          readEvent(buffer.slice(0, end));
          buffer = buffer.slice(end).replace(/^\\r?\\n\\r?\\n/, '');
        }
      }
    } catch (error) {
      if (live.dataset.live === 'connecting') say('Could not load the circuits: ' + error.message);
    }
    setLive('offline', 'offline, retrying');
    setTimeout(connect, RECONNECT_MS);
  }

  /** One event: its type and its data lines, as JSON; a comment (a keep-alive) is skipped. */
  function readEvent(block) {
    let type = 'message';
    const data = [];
    for (const line of block.split(/\\r?\\n/)) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length > 0) streamEvent(type, JSON.parse(data.join('\\n')));
  }
`;
