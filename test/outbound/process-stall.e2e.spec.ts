import { spawn, type ChildProcess } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { CircuitBreakerRegistry, CircuitState, circuitBreakerDispatcher } from '../../lib/index.js';
import { checkPhase } from '../engine/process-stall-kit.js';

// A real outbound call through circuitBreakerDispatcher, to an upstream in another process:
// the request is sent, then our process stalls (busy) past the circuit's timeoutMs while the
// upstream's answer reaches our socket. The answer is read after the stall, before the deadline
// is judged: the call succeeds and no timeout is counted.

const TIMEOUT_MS = 50;
const STALL_MS = 300;

// The upstream answers each request, and once its answer is handed to the OS (on loopback: in
// our socket), marks it with a file `<marker><n>`: the test's stall waits for that, not a guess.
const UPSTREAM = `
const { createServer } = require('node:http');
const { writeFileSync } = require('node:fs');
const marker = process.argv[1];
let answered = 0;
createServer((request, response) => {
  request.resume();
  const n = ++answered;
  response.end('ok', () => writeFileSync(marker + n, ''));
}).listen(0, '127.0.0.1', function () {
  process.stdout.write(this.address().port + '\\n');
});
`;

describe('outbound: a stall of our process is not the upstream’s slowness', () => {
  let upstream: ChildProcess;
  let origin: string;
  let dir: string;
  let registry: CircuitBreakerRegistry;
  let agent: Agent;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stall-'));
    upstream = spawn(process.execPath, ['-e', UPSTREAM, join(dir, 'answered-')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [port] = (await once(upstream.stdout!, 'data')) as [Buffer];
    origin = `http://127.0.0.1:${String(port).trim()}`;
  });
  afterAll(async () => {
    upstream.kill();
    await once(upstream, 'exit');
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    registry = new CircuitBreakerRegistry({});
    agent = new Agent();
  });
  afterEach(async () => {
    registry.onApplicationShutdown();
    await agent.close();
  });

  /**
   * Keeps the process busy, once the request is on the wire, until the upstream's answer is
   * in our socket and at least STALL_MS have passed; whether the answer came (bounded wait).
   */
  function stallOnceSent(answer: number): { answered: boolean } {
    const seen = { answered: false };
    const onSent = () => {
      unsubscribe('undici:client:sendHeaders', onSent);
      // After the synchronous write of the request that undici is doing now.
      queueMicrotask(() => {
        const started = performance.now();
        const marker = join(dir, `answered-${answer}`);
        while (performance.now() - started < 10_000) {
          seen.answered ||= existsSync(marker);
          if (seen.answered && performance.now() - started >= STALL_MS) break;
        }
      });
    };
    subscribe('undici:client:sendHeaders', onSent);
    return seen;
  }

  it('the answer that reached the socket during the stall is the call’s', async () => {
    const dispatcher = circuitBreakerDispatcher(registry, agent, {
      defaults: { timeoutMs: TIMEOUT_MS, failureThreshold: 1 },
    });
    // A connection kept alive first, on the agent itself (no 50 ms deadline for a loaded machine
    // to miss): the request below goes out at once, on it.
    expect((await fetch(`${origin}/warm`, { dispatcher: agent })).status).toBe(200);

    const stall = stallOnceSent(2);
    await checkPhase(); // the request goes out and the stall starts there
    const response = await fetch(`${origin}/ok`, { dispatcher });
    expect(stall.answered).toBe(true);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    const circuit = registry.get(`outbound:${origin}`)!;
    expect(circuit.stats()).toMatchObject({ timeouts: 0, failures: 0, successes: 1 });
    expect(circuit.state).toBe(CircuitState.Closed);
  });
});
