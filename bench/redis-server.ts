import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';

/** A real `redis-server` (Debian's package) on a free loopback port, without persistence: for the store tests and the bench. */
export class RedisServer {
  private process: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  /** Starts it (again, on the same port) and waits until it accepts connections. */
  async restart(): Promise<void> {
    this.process = await startRedisServer([
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
  }

  /** Whether it runs (it may be paused): not killed, or restarted since. */
  get running(): boolean {
    return this.process !== undefined;
  }

  /** Freezes it (SIGSTOP): connections stay open, commands get no answer: a Redis that hangs. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** Kills it at once, as a crash would. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child !== undefined) await killProcess(child);
  }
}

/** Spawns `redis-server` with `args` and resolves once it accepts connections. */
export async function startRedisServer(args: string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  // No server outlives the tests that started it, even a failed or interrupted run.
  child.once('exit', whenThisProcessEnds(`kill -9 ${child.pid}`));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
    child.once('error', reject);
  });
  child.stdout!.resume(); // keep draining its log, or it blocks once the pipe is full
  return child;
}

/** Kills `child` (SIGKILL: also ends a paused one) and waits until it has exited. */
export async function killProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/**
 * Runs `command` once this process has ended, however it ends: a crash, a kill, or a test
 * runner's hard exit, where no 'exit' listener of a test runs. A shell waits for the end of its
 * stdin, a pipe from this process, which only this process's end closes. Returns what cancels
 * it: call it once the command is no longer needed (a process it would kill has exited, and
 * its id may be reused).
 */
export function whenThisProcessEnds(command: string): () => void {
  const shell = spawn('sh', ['-c', `read _; ${command}`], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true, // not ended with this process's group: it outlives this process
  });
  shell.unref(); // neither the shell nor its pipe keeps this process alive
  (shell.stdin as Socket).unref();
  return () => void shell.kill('SIGKILL');
}
