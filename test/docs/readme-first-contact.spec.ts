import { readFileSync } from 'node:fs';

// Issue 18: what a newcomer copies from the README must work as copied. Checks on the text of
// its TypeScript examples that the compile check (readme-examples.spec.ts) cannot make.

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map(([, code]) => code!);

describe('the README’s examples, as a newcomer copies them', () => {
  it('enables shutdown hooks in every main.ts: without them SIGTERM saves and flushes nothing', () => {
    const mains = blocks.filter((code) => code.includes('NestFactory.create('));
    expect(mains.length).toBeGreaterThan(0);
    for (const main of mains) expect(main).toContain('.enableShutdownHooks()');
  });

  it('gives every ioredis client an error listener', () => {
    const clients = blocks.filter((code) => /new (Redis|Cluster)\(/.test(code));
    expect(clients.length).toBeGreaterThan(0);
    for (const code of clients) expect(code).toMatch(/\.on\('error',/);
  });

  it('calls forRoot()/forRootAsync() in the root module only (AppModule), never in a module of its own', () => {
    const modules = blocks.filter(
      (code) => /CircuitBreakerModule\.forRoot(Async)?\(/.test(code) && /^@Module\(/m.test(code),
    );
    expect(modules.length).toBeGreaterThan(3);
    for (const code of modules) expect(code).toMatch(/^export class AppModule \{\}$/m);
  });
});
