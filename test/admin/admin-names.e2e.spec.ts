import { CircuitState } from '../../lib/index.js';
import { post, startAdminApp, type AdminApp } from './support/admin-app.js';

describe.each(['express', 'fastify'] as const)('circuit names in admin URLs, on %s', (adapter) => {
  let app: AdminApp;
  beforeAll(async () => {
    app = await startAdminApp({ public: true }, adapter);
    app.registry.getOrCreate('Orders.place:v2-eu_1');
  });
  afterAll(() => app.close());

  it('accepts letters, digits and _ . : -', async () => {
    expect((await fetch(`${app.admin}/Orders.place:v2-eu_1`)).status).toBe(200);
    expect((await post(`${app.admin}/Orders.place:v2-eu_1/reset`)).status).toBe(200);
  });

  it.each([
    ['a space', 'has%20space'],
    ['a slash', 'a%2Fb'],
    ['a quote and markup', '%3Cimg%20src%3Dx%3E'],
    ['a non-ASCII letter', 'caf%C3%A9'],
  ])('answers 400 to a name with %s, for reads and commands alike', async (_, name) => {
    expect((await fetch(`${app.admin}/${name}`)).status).toBe(400);
    const refused = await post(`${app.admin}/${name}/force-open`);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ message: expect.stringMatching(/1 to 128/) });
  });

  it.each(['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'prototype'])(
    'answers 404 to %s: it reaches no other object and breaks nothing',
    async (name) => {
      expect((await fetch(`${app.admin}/${name}`)).status).toBe(404);
      for (const command of ['reset', 'force-open', 'disable', 'release']) {
        expect([command, (await post(`${app.admin}/${name}/${command}`)).status]).toEqual([
          command,
          404,
        ]);
      }
      expect(app.registry.has(name)).toBe(false);
      const all = (await (await fetch(app.admin)).json()) as { name: string; state: string }[];
      expect(all.every(({ state }) => state === CircuitState.Closed)).toBe(true);
      expect(all.map(({ name }) => name)).not.toContain(name);
    },
  );
});

describe('the length of circuit names in admin URLs', () => {
  let app: AdminApp;
  beforeAll(async () => (app = await startAdminApp({ public: true })));
  afterAll(() => app.close());

  // Fastify refuses path parameters over 100 characters (414) unless its maxParamLength is raised.
  it('accepts up to 128 characters and answers 400 past that', async () => {
    expect((await fetch(`${app.admin}/${'a'.repeat(128)}`)).status).toBe(404); // well formed, unknown
    expect((await fetch(`${app.admin}/${'a'.repeat(129)}`)).status).toBe(400);
    expect((await post(`${app.admin}/${'a'.repeat(129)}/reset`)).status).toBe(400);
  });
});
