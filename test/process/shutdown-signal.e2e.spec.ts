import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Issue 18, item 3: what a real process does on SIGTERM. Nest runs shutdown hooks (the last
// snapshot save, the notifications' flush, the store's disconnect) only after
// app.enableShutdownHooks(); the README's main.ts calls it. Against the built package, imported
// by its name as a user would (`npm test` builds it first).

const root = fileURLToPath(new URL('../..', import.meta.url));

/** An app whose snapshots go to `file`; `payments` forced open; prints `ready` once listening. */
const app = (file: string, hooks: boolean) => `
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CircuitBreakerModule, CircuitBreakerRegistry } from 'nestjs-circuit-breaker';

class AppModule {}
Module({
  imports: [
    CircuitBreakerModule.forRoot({
      circuits: { payments: {} },
      logger: false,
      snapshots: {
        save: (snapshot) => writeFileSync(${JSON.stringify(file)}, JSON.stringify(snapshot)),
        saveIntervalMs: 0,
      },
    }),
  ],
})(AppModule);

const app = await NestFactory.create(AppModule, { logger: false });
${hooks ? 'app.enableShutdownHooks();' : ''}
await app.listen(0, '127.0.0.1');
app.get(CircuitBreakerRegistry).forceOpen('payments');
console.log('ready');
`;

/** Runs `script`, sends it SIGTERM once it is ready, and resolves when it has exited. */
function terminateWhenReady(
  script: string,
): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the app did not get ready and exit within 30 s'));
    }, 30_000);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) child.kill('SIGTERM');
    });
    child.on('exit', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal });
    });
  });
}

describe('SIGTERM', () => {
  let folder: string;
  beforeEach(() => (folder = mkdtempSync(join(tmpdir(), 'circuit-snapshots-'))));
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('saves the last snapshot when the app enabled shutdown hooks', async () => {
    const file = join(folder, 'circuits.json');
    const exit = await terminateWhenReady(app(file, true));
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      circuits: { name: string; state: string }[];
    };
    expect(saved.circuits).toEqual([
      expect.objectContaining({ name: 'payments', state: 'forced_open' }),
    ]);
  });

  it('saves nothing at SIGTERM without enableShutdownHooks(): what the periodic save is for', async () => {
    const file = join(folder, 'circuits.json');
    const exit = await terminateWhenReady(app(file, false));
    expect(exit.signal).toBe('SIGTERM');
    expect(existsSync(file)).toBe(false);
  });
});
