import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// The package's types, as built (`npm test` builds it first), compile in an app that has none
// of the optional peers installed: the options describe a peer's types by their shape instead
// of importing them, and no type a user reaches from the entry imports a peer.

const root = fileURLToPath(new URL('../..', import.meta.url));
const OPTIONAL_PEERS = [
  'prom-client',
  'ioredis',
  '@nestjs/terminus',
  '@opentelemetry/api',
  '@nestjs/microservices',
  '@nestjs/swagger',
  'axios',
  'undici',
];

// Every option of every optional part, so that each options interface is reached.
const app = `
import {
  ApiCircuitBreakerResponses,
  CircuitBreakerModule,
  circuitBreakerDispatcher,
  circuitBreakerInterceptor,
  type CircuitBreakerRegistry,
  protect,
  type OpenTelemetryMeter,
  type PrometheusRegistry,
} from 'nestjs-circuit-breaker';
declare const circuits: CircuitBreakerRegistry;
export const orders = protect<{ id: string }>(circuits, 'orders-service', { timeoutMs: 2_000 });
export const documented = ApiCircuitBreakerResponses({ timeout: true });
declare const meter: OpenTelemetryMeter;
declare const registry: PrometheusRegistry;
CircuitBreakerModule.forRoot({
  metrics: { registry, prefix: 'orders_', maxCircuits: 10, buckets: [0.1] },
  openTelemetry: { meter, maxCircuits: 10, buckets: [0.1] },
  outbound: { httpService: true, fetch: 'global', origins: { 'https://*.example.com': { timeoutMs: 1 } } },
});
circuitBreakerInterceptor(circuits, { maxOrigins: 10 });
declare const agent: { dispatch(options: object, handler: object): boolean; close(): Promise<void>; destroy(): Promise<void> };
export const dispatcher: typeof agent = circuitBreakerDispatcher(circuits, agent, { maxOrigins: 10 });
`;

describe('the shipped types', () => {
  it('compile without any optional peer installed', () => {
    const folder = join(root, 'node_modules', '.cache', 'shipped-types');
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'app.ts'), app);
    const missing = join(folder, 'not-installed');
    const program = ts.createProgram([join(folder, 'app.ts')], {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      experimentalDecorators: true,
      noEmit: true,
      types: [],
      // Checked, not skipped: an import of a missing peer in a .d.ts would otherwise be `any`.
      skipLibCheck: false,
      paths: {
        'nestjs-circuit-breaker': [join(root, 'dist/esm/index.d.ts')],
        ...Object.fromEntries(OPTIONAL_PEERS.map((peer) => [peer, [missing]])),
      },
    });
    const ours = (file: string | undefined) =>
      file !== undefined && (file.startsWith(join(root, 'dist')) || file.startsWith(folder));
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .filter(({ file }) => ours(file?.fileName))
      .map(
        ({ file, messageText }) =>
          `${file!.fileName}: ${ts.flattenDiagnosticMessageText(messageText, ' ')}`,
      );
    expect(diagnostics).toEqual([]);
    const reached = program.getSourceFiles().map(({ fileName }) => fileName);
    expect(reached.filter((file) => file.includes('/dist/esm/metrics/'))).toHaveLength(2); // the check looks at them
    expect(reached.some((file) => file.includes('/dist/esm/outbound/'))).toBe(true);
    // A whole program, libraries' declarations checked: 12 s measured on a loaded machine, where
    // Jest's 30 s could run out. CPU work, bounded by its own limit.
  }, 180_000);
});
