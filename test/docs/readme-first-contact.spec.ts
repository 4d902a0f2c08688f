import { pages, tsBlocks } from './support/markdown-pages.js';

// Issue 18: what a newcomer copies from the README or a page of docs/ must work as copied.
// Checks on the text of the TypeScript examples that the compile check (readme-examples.spec.ts)
// cannot make.

const blocks = pages.flatMap(tsBlocks);
const where = ({ page, line }: { page: string; line: number }) => `${page}:${line}`;

describe('the examples of the README and docs/, as a newcomer copies them', () => {
  it('come from a README read in five minutes: at most 200 lines, the rest in docs/', () => {
    const readme = pages.find(({ path }) => path === 'README.md')!;
    expect(readme.text.trimEnd().split('\n').length).toBeLessThanOrEqual(200);
  });

  it('enables shutdown hooks in every main.ts: without them SIGTERM saves and flushes nothing', () => {
    const mains = blocks.filter(({ code }) => code.includes('NestFactory.create('));
    expect(mains.filter(({ page }) => page === 'README.md').length).toBeGreaterThan(0);
    const without = mains.filter(({ code }) => !code.includes('.enableShutdownHooks()'));
    expect(without.map(where)).toEqual([]);
  });

  it('gives every ioredis client an error listener', () => {
    const clients = blocks.filter(({ code }) => /new (Redis|Cluster)\(/.test(code));
    expect(clients.length).toBeGreaterThan(0);
    const without = clients.filter(({ code }) => !/\.on\('error',/.test(code));
    expect(without.map(where)).toEqual([]);
  });

  it('calls forRoot()/forRootAsync() in the root module only (AppModule), never in a module of its own', () => {
    const modules = blocks.filter(
      ({ code }) =>
        /CircuitBreakerModule\.forRoot(Async)?\(/.test(code) && /^@Module\(/m.test(code),
    );
    expect(modules.length).toBeGreaterThan(3);
    const elsewhere = modules.filter(({ code }) => !/^export class AppModule \{\}$/m.test(code));
    expect(elsewhere.map(where)).toEqual([]);
  });
});
