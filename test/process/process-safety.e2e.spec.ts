import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// What only a real process can show: whether it survives, and the warnings Node really emits.
// Jest's sandbox has its own `process`, whose 'warning' listeners hear nothing, and it catches
// what would be an uncaught exception. Each script runs in a fresh Node process against the
// built package (`npm test` builds it first), imported by its name as a user would.

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number | null;
  output: Record<string, unknown>;
  stderr: string;
}

/** Runs an ES module `script` in a new Node process; it prints one JSON line as its result. */
function runScript(script: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { cwd: root, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        const last = stdout.trim().split('\n').at(-1) ?? '';
        let output: Record<string, unknown> = {};
        try {
          output = JSON.parse(last) as Record<string, unknown>;
        } catch {
          // no result line: the process died first; `code` and `stderr` say how
        }
        resolve({ code, output, stderr });
      },
    );
  });
}

/** Collects the process's warnings, then prints them with `extra` once timers due now have run. */
const PRELUDE = `
const warnings = [];
process.on('warning', (w) => warnings.push({ name: w.name, code: w.code, message: w.message }));
// rxjs rethrows a subscriber's error on a timer of 0 ms, and Node ends a process on an unhandled
// rejection at the end of the tick: waiting past both is waiting long enough to have crashed.
const settle = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));
const report = (extra = {}) => console.log(JSON.stringify({ warnings, ...extra }));
`;

describe('nestjs-circuit-breaker/engine', () => {
  it('loads no NestJS, rxjs or reflect-metadata, and works', async () => {
    // A resolve hook that refuses the framework: importing the engine must not need it.
    const hooks = `export async function resolve(specifier, context, next) {
      if (/^(@nestjs\\/|rxjs|reflect-metadata)/.test(specifier)) throw new Error('loaded ' + specifier);
      return next(specifier, context);
    }`;
    const run = await runScript(`
      import { register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));
      const { Circuit, CircuitOpenError, isCircuitOpenError } = await import('nestjs-circuit-breaker/engine');
      const circuit = new Circuit('inventory', { failureThreshold: 1 });
      await circuit.execute(async () => { throw new Error('down'); }).catch(() => {});
      const refused = await circuit.execute(async () => 1).catch((e) => e);
      let main = 'not tried';
      try { await import('nestjs-circuit-breaker'); main = 'loaded'; } catch (e) { main = e.message; }
      console.log(JSON.stringify({ state: circuit.state, refused: isCircuitOpenError(refused) && refused instanceof CircuitOpenError, main }));
    `);
    expect(run.stderr).not.toContain('Error');
    expect(run.output).toEqual({
      state: 'open',
      refused: true,
      // The hook works: the main entry needs the framework. Which peer is refused first depends
      // on the order the loader resolves the module graph in, which is not fixed.
      main: expect.stringMatching(/^loaded (@nestjs\/|rxjs|reflect-metadata)/),
    });
  });
});

describe('the process survives what users’ code throws at the library', () => {
  it('a registry.events$ subscriber that throws gets a warning; the process and other subscribers go on', async () => {
    const run = await runScript(`${PRELUDE}
      import { map } from 'rxjs';
      import { CircuitBreakerRegistry } from 'nestjs-circuit-breaker';
      const registry = new CircuitBreakerRegistry({});
      registry.events$.subscribe(() => { throw new Error('subscriber bug'); });
      registry.events$.pipe(map(() => { throw new Error('operator bug'); })).subscribe(() => {});
      registry.created$.subscribe(() => { throw new Error('created$ bug'); });
      const seen = [];
      registry.events$.subscribe(({ to }) => seen.push(to));
      const circuit = registry.getOrCreate('payments');
      circuit.forceOpen();
      circuit.release();
      await settle();
      report({ seen });
    `);
    expect(run.code).toBe(0); // rxjs's rethrow on a timer would have ended it with 1
    expect(run.output.seen).toEqual(['forced_open', 'closed']);
    const warnings = run.output.warnings as Array<{ code: string; message: string }>;
    expect(warnings.filter((w) => w.message.includes('subscriber bug'))).toHaveLength(2);
    expect(warnings.filter((w) => w.message.includes('operator bug'))).toHaveLength(1);
    expect(warnings.filter((w) => w.message.includes('created$ bug'))).toHaveLength(1);
    for (const warning of warnings) expect(warning.code).toBe('CIRCUIT_CALLBACK_ERROR');
  });

  it('a throwing onStateChange gives a warning that keeps its code, CIRCUIT_CALLBACK_ERROR', async () => {
    const run = await runScript(`${PRELUDE}
      import { Circuit } from 'nestjs-circuit-breaker';
      const circuit = new Circuit('payments', { onStateChange: () => { throw new Error('listener bug'); } });
      circuit.forceOpen();
      await settle();
      report();
    `);
    expect(run.code).toBe(0);
    expect(run.output.warnings).toEqual([
      {
        name: 'CircuitCallbackWarning',
        code: 'CIRCUIT_CALLBACK_ERROR',
        message: 'A circuit callback threw: Error: listener bug',
      },
    ]);
  });

  it('misbehaving thenables and thrown Proxies with timeoutMs leave nothing to crash on later', async () => {
    const run = await runScript(`${PRELUDE}
      import { Circuit } from 'nestjs-circuit-breaker';
      const circuit = new Circuit('payments', { timeoutMs: 20, halfOpenMaxCalls: 1 });
      const proxy = new Proxy({}, { getPrototypeOf() { throw new Error('trap'); } });
      const answers = await Promise.allSettled([
        circuit.execute(() => ({ then() { throw new Error('then threw'); } })),
        circuit.execute(() => ({ then(resolve, reject) { resolve(1); resolve(2); reject(new Error('x')); } })),
        circuit.execute(() => Promise.reject(proxy)),
        circuit.execute(() => { throw proxy; }),
        circuit.execute(undefined),
      ]);
      await settle(100); // well past timeoutMs: a forgotten deadline would fire now
      report({
        answers: answers.map((a) => a.status + ':' + (a.reason === proxy ? 'proxy' : String(a.reason ?? a.value))),
        stats: circuit.stats(),
      });
    `);
    expect(run.stderr).not.toContain('CallTimeoutError');
    expect(run.code).toBe(0);
    expect(run.output.answers).toEqual([
      'rejected:Error: then threw',
      'fulfilled:1',
      'rejected:proxy',
      'rejected:proxy',
      'rejected:TypeError: Circuit.execute() takes a function, got undefined',
    ]);
    expect(run.output.stats).toMatchObject({ failures: 3, successes: 1, timeouts: 0, inFlight: 0 });
  });
});

describe('the library keeps no process alive', () => {
  it('exits by itself once its calls are done: the window’s boundary timer and the deadline timer are unref’d', async () => {
    // A 10-minute window waits a minute for its bucket's end: a timer holding the process would
    // outlive runScript's 30 s limit, and the process would be killed instead of exiting with 0.
    const run = await runScript(`
      import { Circuit } from 'nestjs-circuit-breaker';
      const rated = new Circuit('rated', { failureRateThreshold: 0.5, windowMs: 600_000 });
      const timed = new Circuit('timed', { timeoutMs: 600_000 });
      await rated.execute(async () => 1);
      await timed.execute(async () => 1);
      console.log(JSON.stringify({ windowCalls: rated.stats().windowCalls }));
    `);
    expect(run.code).toBe(0);
    expect(run.output).toEqual({ windowCalls: 1 });
  });
});
