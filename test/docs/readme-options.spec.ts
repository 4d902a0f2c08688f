import { DEFAULT_CIRCUIT_OPTIONS, countsAsFailure } from '../../lib/index.js';
import { resolveCircuitOptions } from '../../lib/engine/circuit-options.js';
import { pages } from './support/markdown-pages.js';

// The options table is the user's reference: it must list every option, with the default the
// code applies. It lives on one page (docs/circuits.md), between its markers.
const withTable = pages.filter(({ text }) => text.includes('<!-- options-table'));
const table = (withTable[0]?.text ?? '')
  .split('<!-- options-table')[1]
  ?.split('<!-- /options-table -->')[0];
const rows = [...(table ?? '').matchAll(/^\| `(\w+)`\s*\| ([^|]+) \|/gm)].map(
  ([, option, cell]) => [option!, cell!.trim()],
);

describe('the options table', () => {
  it('is on exactly one page, docs/circuits.md', () => {
    expect(withTable.map(({ path }) => path)).toEqual(['docs/circuits.md']);
  });

  it('lists every option the code accepts, once', () => {
    const resolved = resolveCircuitOptions('readme');
    expect(rows.map(([option]) => option).sort()).toEqual(Object.keys(resolved).sort());
  });

  it.each(rows)('gives the default of %s as the code applies it', (option, cell) => {
    const actual = (DEFAULT_CIRCUIT_OPTIONS as Record<string, unknown>)[option];
    if (actual === undefined) expect(['off', 'none']).toContain(cell);
    else if (actual === countsAsFailure) expect(cell).toBe('`countsAsFailure`');
    else expect(cell).toBe(`\`${String(actual)}\``);
  });
});
