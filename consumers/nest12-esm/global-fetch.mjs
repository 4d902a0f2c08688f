// `outbound: { fetch: 'global' }` on this Node.js's own global fetch (Node 20's bundled undici 6
// up to Node 26's), outside Jest, whose sandbox is another realm than Node's fetch: the
// dispatcher wrapper installed at init refuses an open origin's request without opening a socket, and
// the previous dispatcher is back after close.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { NestFactory } from '@nestjs/core';
import {
  CircuitBreakerModule,
  CircuitBreakerRegistry,
  isCircuitOpenError,
} from 'nestjs-circuit-breaker';

let connections = 0;
const hits = { fail: 0, ok: 0 };
const server = createServer((request, response) => {
  if (request.url === '/fail') return void (hits.fail++, response.writeHead(500).end());
  hits.ok++;
  response.end('ok');
});
server.on('connection', () => connections++);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const app = await NestFactory.createApplicationContext(
  CircuitBreakerModule.forRoot({
    outbound: { fetch: 'global', defaults: { failureThreshold: 1, resetTimeoutMs: 60_000 } },
  }),
  { logger: false },
);
await app.init();
try {
  const failed = await globalThis.fetch(`${origin}/fail`);
  await failed.arrayBuffer();
  assert.equal(failed.status, 500, 'the caller gets the 5xx response');
  const circuit = app.get(CircuitBreakerRegistry).get(`outbound:${origin}`);
  assert.equal(circuit?.state, 'open', 'the origin circuit opened on the 500');

  const before = connections;
  const refused = await globalThis.fetch(`${origin}/ok`).then(
    () => assert.fail('an open origin must refuse'),
    (error) => error,
  );
  assert.equal(refused.name, 'TypeError', "fetch's own form of a failed request");
  assert.ok(isCircuitOpenError(refused.cause), 'the refusal is its cause');
  assert.equal(connections, before, 'no socket opened for the refused request');
  assert.equal(hits.ok, 0, 'the refused request never reached the server');
} finally {
  await app.close();
}
const after = await globalThis.fetch(`${origin}/ok`);
await after.arrayBuffer();
assert.equal(after.status, 200, 'the previous dispatcher is back after close');
server.close();
console.log(`global fetch protected by origin and refused locally (Node.js ${process.version})`);
