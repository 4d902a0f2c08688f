import { startUpstream, type Upstream } from '../outbound/support/upstream.js';
import { mb, runSoak } from './support/soak.js';

// 100,000 requests through each outbound way (#21), in a child process against the built package
// (`npm test` builds it first), heap measured after gc() against a baseline taken after a
// warm-up: what a request leaves for good must be nothing. The upstream, a keep-alive server on
// loopback, runs here, so that only the client's heap is measured. Memory, not time.

const REQUESTS = 100_000;
const MAX_GROWTH = 4 * 1024 * 1024;

const WAYS = [
  'HttpService (axios)',
  "Node's global fetch (fetch: 'global')",
  '10,000 origins, room for 100 (eviction)',
];

describe('outbound soak: 100,000 requests leave the heap as they found it', () => {
  let upstream: Upstream;
  beforeAll(async () => (upstream = await startUpstream()));
  afterAll(() => upstream.close());

  it.each(WAYS)(
    '%s',
    async (way) => {
      const run = await runSoak(
        'test/soak/support/outbound-soak.mjs',
        [way, String(REQUESTS), upstream.origin],
        300_000,
      );
      expect(run.stderr).toBe('');
      expect(run.result).toMatchObject({ way, requests: REQUESTS, failed: 0 });
      expect(run.warnings).toEqual([]);
      expect(run.code).toBe(0);
      // One origin's circuit; the eviction case keeps at most its 100.
      expect(run.result.circuits).toBe(way.startsWith('10,000') ? 100 : 1);
      const growth = run.result.growth as number;
      expect({ growth: mb(growth), within: growth <= MAX_GROWTH }).toEqual({
        growth: mb(growth),
        within: true,
      });
    },
    330_000,
  );
});
