import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Spawn-and-measure for soak tests: a child Node process with --expose-gc runs a soak script
// against the built package (imported by its name, as a user would) and prints one JSON line,
// its result. Memory is measured in the child, after gc(), never time; what this side measures
// is whether the child warned, and whether it ended by itself once its work was done.

const root = fileURLToPath(new URL('../../..', import.meta.url));

export interface SoakRun {
  /** The child's exit code (null when it was killed). */
  code: number | null;
  /** The JSON line the child printed last. */
  result: Record<string, unknown>;
  /** Process warnings the child reported (it listens for them: Jest's own process hears none). */
  warnings: { name: string; message: string }[];
  stderr: string;
  /** Milliseconds from the result line to the child's exit: what keeps it alive after its work. */
  exitAfterMs: number;
}

/**
 * Runs `script` (a path from the repository's root) in `node --expose-gc` with `args`, and
 * waits for it to exit on its own; it is killed past `killAfterMs`.
 */
export function runSoak(script: string, args: string[], killAfterMs = 120_000): Promise<SoakRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', script, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let resultAt: number | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (resultAt === undefined && stdout.includes('\n')) resultAt = performance.now();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const kill = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code) => {
      clearTimeout(kill);
      const exitAfterMs = resultAt === undefined ? Infinity : performance.now() - resultAt;
      let result: Record<string, unknown> = {};
      try {
        result = JSON.parse(stdout.trim().split('\n')[0] ?? '') as Record<string, unknown>;
      } catch {
        // no result line: the child died first; `code` and `stderr` say how
      }
      const warnings = (result.warnings ?? []) as SoakRun['warnings'];
      resolve({ code, result, warnings, stderr, exitAfterMs });
    });
  });
}

/** Megabytes, for messages. */
export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}
