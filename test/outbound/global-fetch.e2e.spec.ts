import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// `outbound: { fetch: 'global' }` with Node's own global fetch, in a real process against the
// built package: Jest's sandbox is another realm than Node's fetch, and sets its own globals.
// On Node 20 that fetch is its bundled undici 6, calling the undici 7 dispatcher installed.

const root = fileURLToPath(new URL('../..', import.meta.url));

const SCRIPT = `
import { createServer } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { Agent, Dispatcher, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import { CircuitBreakerModule, CircuitBreakerRegistry, isCircuitOpenError, isCallTimeoutError } from 'nestjs-circuit-breaker';

let ok = 0, abandoned = 0;
const server = createServer((req, res) => {
  if (req.url === '/fail') return res.writeHead(500).end();
  if (req.url === '/hang') return res.on('close', () => { if (!res.writableEnded) abandoned++; });
  ok++;
  res.end('ok');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = 'http://127.0.0.1:' + server.address().port;
const hangs = 'http://localhost:' + server.address().port;
const attempt = async (url) => {
  try { const response = await fetch(url); await response.arrayBuffer(); return response.status; }
  catch (error) {
    return { name: error.name, open: isCircuitOpenError(error.cause), timeout: isCallTimeoutError(error.cause) };
  }
};
// The app's own dispatcher (a proxy agent, say), which records the form of the handlers it gets.
const forms = new Set();
class Recording extends Dispatcher {
  agent = new Agent();
  dispatch(options, handler) {
    forms.add(typeof handler.onRequestStart === 'function' ? 'new' : 'legacy');
    return this.agent.dispatch(options, handler);
  }
  close() { return this.agent.close(); }
  destroy() { return this.agent.destroy(); }
}
setGlobalDispatcher(new Recording());
const before = getGlobalDispatcher();
// A second upstream: 429 with Retry-After, and a request its caller aborts.
let other = 0, seen = 0;
const second = createServer((req, res) => {
  seen++;
  if (req.url === '/busy') return res.writeHead(429, { 'retry-after': '30' }).end();
  if (req.url === '/slow') return;
  other++;
  res.end('ok');
});
await new Promise((resolve) => second.listen(0, '127.0.0.1', resolve));
const secondOrigin = 'http://127.0.0.1:' + second.address().port;
const app = await NestFactory.createApplicationContext(
  CircuitBreakerModule.forRoot({ outbound: { fetch: 'global',
    defaults: { failureThreshold: 1, resetTimeoutMs: 60000 }, origins: { [hangs]: { timeoutMs: 200 } } } }),
  { logger: false },
);
await app.init();
const registry = app.get(CircuitBreakerRegistry);
const installed = getGlobalDispatcher() !== before;
const failed = await attempt(origin + '/fail');
const state = registry.get('outbound:' + origin)?.state;
const refused = await attempt(origin + '/ok');
const okWhileOpen = ok;
const timedOut = await attempt(hangs + '/hang');
// Bounds for waits, not expectations: a loaded machine may take seconds.
const until = Date.now() + 20000;
while (abandoned === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
const controller = new AbortController();
const aborting = fetch(secondOrigin + '/slow', { signal: controller.signal }).catch((error) => error.name);
while (seen === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
controller.abort();
const callerAbort = await aborting;
const busy = await attempt(secondOrigin + '/busy');
let held;
try { await fetch(secondOrigin + '/ok'); } catch (error) {
  held = { open: isCircuitOpenError(error.cause), within: error.cause.retryAfterMs > 1000 && error.cause.retryAfterMs <= 30000 };
}
const secondStats = registry.get('outbound:' + secondOrigin).stats();
const secondFailures = secondStats.failures + secondStats.timeouts;
const wrappedForms = [...forms];
await app.close();
const restored = getGlobalDispatcher() === before;
forms.clear();
const after = await attempt(origin + '/ok');
// The form this Node's fetch gives a dispatcher itself (legacy up to Node 24, undici 7's on 26).
const fetchForms = [...forms];
server.close();
second.closeAllConnections();
second.close();
await getGlobalDispatcher().close();
console.log(JSON.stringify({ installed, failed, state, refused, okWhileOpen, timedOut, abandoned,
  callerAbort, busy, held, otherWhileHeld: other, secondFailures, unconverted: wrappedForms.join() === fetchForms.join(),
  fetchForms: fetchForms.length, restored, after }));
`;

function run(): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', SCRIPT],
      { cwd: root, timeout: 50_000 },
      (_error, stdout, stderr) => resolve({ stdout, stderr }),
    );
  });
}

describe(`outbound { fetch: 'global' } with Node ${process.version}'s own fetch`, () => {
  it('protects global fetch by origin while the app runs, and puts the previous dispatcher back at shutdown', async () => {
    const { stdout, stderr } = await run();
    const last = stdout.trim().split('\n').at(-1) ?? '';
    expect(stderr).toBe('');
    expect(JSON.parse(last)).toEqual({
      installed: true,
      failed: 500, // the caller gets the response
      state: 'open',
      refused: { name: 'TypeError', open: true, timeout: false }, // fetch's form, the refusal its cause
      okWhileOpen: 0, // never sent
      timedOut: { name: 'TypeError', open: false, timeout: true },
      abandoned: 1, // the timeout aborted the real request
      callerAbort: 'AbortError',
      busy: 429,
      held: { open: true, within: true }, // Retry-After, read from the raw headers
      otherWhileHeld: 0,
      secondFailures: 0, // neither the caller's abort nor the 429 counted
      // fetch's own handler reached the app's dispatcher in fetch's own form (no compose())
      unconverted: true,
      fetchForms: 1,
      restored: true,
      after: 200,
    });
  }, 60_000); // a Node process with Nest to start: seconds on a loaded machine
});
