import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Memory, not time: 100,000 subscriptions of decorated Observable methods through each option
// combination that holds state per call (timeoutMs; with retry; with retry.deadlineMs; attempts
// timing out and retried; bulkhead + retry + timeoutMs with subscribers leaving early; an app's
// long-lived signal passed in every call's `@CircuitSignal()` place), in a child process with --expose-gc, against the built package (`npm test` builds it first). A leak
// of 2 KB per call would be 200 MB; the bound is a few MB, whatever the machine's speed.

const root = fileURLToPath(new URL('../..', import.meta.url));
const child = fileURLToPath(new URL('./support/observable-soak-child.mjs', import.meta.url));
const CALLS = 100_000;
const HEAP_BOUND_BYTES = 4 * 1024 * 1024;

interface Scenario {
  calls: number;
  heapGrowthBytes: number;
  inFlight: number;
  bulkhead: { active: number; queued: number } | null;
  successes: number;
  sourcesStillSubscribed: number;
  callerSignalListeners: number;
}

interface Run {
  code: number | null;
  signal: string | null;
  result: Record<string, Scenario> | undefined;
  stderr: string;
}

/** Runs the child; it prints its result as its last line and must then end on its own. */
function runChild(): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--expose-gc', child],
      {
        cwd: root,
        timeout: 900_000,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, NODE_OPTIONS: '', SOAK_CALLS: String(CALLS) },
      },
      (error, stdout, stderr) => {
        let result: Run['result'];
        try {
          result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Run['result'];
        } catch {
          // no result line: the process died first; code and stderr say how
        }
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, signal: error?.signal ?? null, result, stderr });
      },
    );
  });
}

describe('Observable calls soak', () => {
  let run: Run;
  beforeAll(async () => {
    run = await runChild();
  }, 960_000);

  it('runs every call and ends on its own (nothing of the library keeps the process up)', () => {
    expect({
      code: run.code,
      signal: run.signal,
      stderr: run.code === 0 ? '' : run.stderr,
    }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(Object.keys(run.result ?? {})).toHaveLength(6);
  });

  it.each([
    'timeoutMs',
    'timeoutMs + retry',
    'timeoutMs + retry.deadlineMs',
    'timed-out attempts, retried',
    'bulkhead + retry + timeoutMs, a fifth leaving early',
    'a long-lived caller signal, timeoutMs + retry, a fifth leaving early',
  ])('%s: heap flat after GC, nothing held', (name) => {
    const scenario = run.result?.[name];
    expect(scenario).toBeDefined();
    const { heapGrowthBytes, inFlight, bulkhead, successes, sourcesStillSubscribed } = scenario!;
    expect(successes).toBeGreaterThanOrEqual(CALLS * 0.8); // every call but those that left
    expect({
      inFlight,
      bulkhead,
      sourcesStillSubscribed,
      callerSignalListeners: scenario!.callerSignalListeners,
    }).toEqual({
      inFlight: 0,
      bulkhead: bulkhead && { active: 0, queued: 0 },
      sourcesStillSubscribed: 0,
      callerSignalListeners: 0,
    });
    expect(heapGrowthBytes).toBeLessThan(HEAP_BOUND_BYTES);
  });
});
