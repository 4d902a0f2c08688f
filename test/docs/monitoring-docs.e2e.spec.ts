import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CircuitBreakerRegistry } from 'nestjs-circuit-breaker';
import yaml from 'js-yaml';
import { Registry } from 'prom-client';
import { readFileSync } from 'node:fs';
import { AppModule } from '../../sample-app/app.module.js';
import { InventoryModule } from '../../sample-app/inventory/inventory.module.js';
import { startWebhookPrinter } from '../../sample-app/notifications/webhook-printer.js';
import {
  driveKnownSequence,
  InventoryClient,
  startInventoryApp,
} from '../metrics/support/inventory-app.js';
import { templateLabels, usesOf, type MetricUse, type PromqlUses } from './support/promql.js';

// docs/prometheus-alerts.yaml and docs/grafana-dashboard.json name only metrics and labels that
// a real scrape of the sample app has, and label values it reports. The scrape is taken after
// the inventory circuit has opened, so that transitions and rejections have series.

interface Scrape {
  /** Per sample name, per label, the values seen. */
  readonly series: Map<string, Map<string, Set<string>>>;
  /** Every sample: its name, labels and value. */
  readonly samples: Array<{ name: string; labels: Map<string, string>; value: number }>;
}

/** Labels Prometheus adds to every series it scrapes: they are in no scrape's text. */
const TARGET_LABELS = new Set(['job', 'instance']);

function parseScrape(text: string): Scrape {
  const series = new Map<string, Map<string, Set<string>>>();
  const samples: Scrape['samples'] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [, name, labels = '', sampleValue] =
      /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line) ?? [];
    if (name === undefined) throw new Error(`cannot read the scrape line ${line}`);
    const byLabel = series.get(name) ?? new Map<string, Set<string>>();
    series.set(name, byLabel);
    const sample = { name, labels: new Map<string, string>(), value: Number(sampleValue) };
    samples.push(sample);
    for (const [, label, value] of labels.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      const values = byLabel.get(label!) ?? new Set<string>();
      byLabel.set(label!, values);
      values.add(value!);
      sample.labels.set(label!, value!);
    }
  }
  return { series, samples };
}

/**
 * The sum of the samples a selector picks (its `=` and `!=` matchers; what this test needs),
 * for one circuit: over a scrape of counters that started at zero, what `sum(increase(...))`
 * gives over a window holding all of them.
 */
function sumOf({ name, matchers }: MetricUse, scrape: Scrape, circuit: string): number {
  return scrape.samples
    .filter(
      (sample) =>
        sample.name === name &&
        sample.labels.get('circuit') === circuit &&
        matchers.every(({ label, op, value }) =>
          op === '=' ? sample.labels.get(label) === value : sample.labels.get(label) !== value,
        ),
    )
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** What is wrong with `expr` (and its legend or annotation templates) against `scrape`. */
function problemsOf(expr: string, scrape: Scrape, templates: string[] = []): string[] {
  const problems: string[] = [];
  const uses: PromqlUses = usesOf(expr);
  if (uses.metrics.length === 0) problems.push(`no metric in ${expr}`);
  const available = new Set(TARGET_LABELS);
  for (const { name, matchers } of uses.metrics) {
    const labels = scrape.series.get(name);
    if (labels === undefined) {
      problems.push(`metric ${name} is not in the scrape`);
      continue;
    }
    for (const label of labels.keys()) available.add(label);
    for (const { label, op, value } of matchers) {
      const values = labels.get(label);
      if (values === undefined) {
        problems.push(`${name} has no label ${label}`);
      } else if (!value.includes('$') && (op === '=' || op === '=~')) {
        // A value, or an alternation of plain values: each must be one the scrape reports.
        const wanted = op === '=' ? [value] : /^[\w|]+$/.test(value) ? value.split('|') : [];
        for (const one of wanted) {
          if (!values.has(one)) problems.push(`${name} has no series with ${label}="${one}"`);
        }
      }
    }
  }
  const named = [...uses.groupingLabels, ...templates.flatMap(templateLabels)];
  for (const label of named) {
    if (!available.has(label)) problems.push(`label ${label} is on none of the metrics of ${expr}`);
  }
  return problems;
}

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const root = new URL('../../', import.meta.url);
const rules = yaml.load(readFileSync(new URL('docs/prometheus-alerts.yaml', root), 'utf8')) as {
  groups: Array<{ name: string; rules: AlertRule[] }>;
};
interface Panel {
  title: string;
  targets?: Array<{ expr: string; legendFormat?: string }>;
}
const dashboard = JSON.parse(
  readFileSync(new URL('docs/grafana-dashboard.json', root), 'utf8'),
) as {
  panels: Panel[];
  templating: { list: Array<{ name: string; definition?: string }> };
};
const alerts = rules.groups.flatMap((group) => group.rules);
const panelQueries = dashboard.panels.flatMap(({ title, targets = [] }) =>
  targets.map((target) => ({ title, ...target })),
);

describe('the monitoring docs against a real scrape of the sample app', () => {
  let inventory: INestApplication;
  let app: INestApplication;
  let webhook: Awaited<ReturnType<typeof startWebhookPrinter>>;
  let scrape: Scrape;
  /** Calls made through the inventory's circuit, and how many of them it refused. */
  const CALLS = 8;
  let refused: number;
  /** The inventory's origin circuit: the sample app's HttpService calls go through it. */
  let circuit: string;

  beforeAll(async () => {
    inventory = await NestFactory.create(InventoryModule.withChaos(1, 1), { logger: false });
    await inventory.listen(0, '127.0.0.1');
    webhook = await startWebhookPrinter(0, () => {});
    const inventoryPort = new URL(await inventory.getUrl()).port;
    circuit = `outbound:http://127.0.0.1:${inventoryPort}`;
    Object.assign(process.env, {
      INVENTORY_PORT: inventoryPort,
      WEBHOOK_PORT: String(webhook.port),
      CIRCUIT_RESET_TIMEOUT_MS: '60000',
    });
    app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    const orders = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    // Failing calls open the inventory's origin circuit; the next ones are refused. The app's
    // cached stock answers each of them.
    for (let i = 0; i < CALLS; i++) {
      await (await fetch(`${orders}/orders/stock/sku-42`)).arrayBuffer();
    }
    refused = app.get(CircuitBreakerRegistry).get(circuit)!.stats().rejections;
    scrape = parseScrape(await (await fetch(`${orders}/metrics`)).text());
  });
  afterAll(async () => {
    await app.close();
    await inventory.close();
    await webhook.close();
  });

  it('reads the files: alert rules with an expression, a severity and a summary; panels with queries', () => {
    expect(alerts.map(({ alert }) => alert)).toEqual([
      'CircuitBreakerNotClosed',
      'CircuitBreakerFlapping',
      'CircuitBreakerManyRejections',
    ]);
    for (const rule of alerts) {
      expect(typeof rule.expr).toBe('string');
      expect(rule.labels?.severity).toMatch(/^(warning|critical)$/);
      expect(rule.annotations?.summary).toBeTruthy();
      if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smhdwy]$/);
    }
    expect(dashboard.panels.map(({ title }) => title)).toEqual([
      'State per circuit',
      'Calls by outcome',
      'Rejections',
      'Call duration',
      'Transitions',
    ]);
    expect(panelQueries.length).toBeGreaterThanOrEqual(7);
  });

  it('takes a scrape with every circuit metric in it', () => {
    for (const name of [
      'circuit_breaker_state',
      'circuit_breaker_calls_total',
      'circuit_breaker_fallbacks_total',
      'circuit_breaker_transitions_total',
      'circuit_breaker_call_duration_seconds_bucket',
    ]) {
      expect(scrape.series.has(name)).toBe(true);
    }
    expect(scrape.series.get('circuit_breaker_transitions_total')?.get('to')).toContain('open');
  });

  it('counts one outcome per call; the fallbacks series counts only the library’s fallbacks', () => {
    const calls = { name: 'circuit_breaker_calls_total', matchers: [] };
    expect(sumOf(calls, scrape, circuit)).toBe(CALLS);
    // The sample app's cached stock is its own try/catch around HttpService (an outbound
    // circuit has no `fallback`): the series is there, at 0. Decorator fallbacks are counted in
    // test/metrics.
    const fallbacks = { name: 'circuit_breaker_fallbacks_total', matchers: [] };
    expect(sumOf(fallbacks, scrape, circuit)).toBe(0);
  });

  it('has the rejection alert measure the share of the calls refused, fallbacks or not', () => {
    const { expr } = alerts.find(({ alert }) => alert === 'CircuitBreakerManyRejections')!;
    // Its ratio: `rate(<rejected>) / rate(<every outcome>)`, the first two selectors.
    const [rejected, all] = usesOf(expr).metrics;
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(CALLS);
    expect(sumOf(rejected!, scrape, circuit) / sumOf(all!, scrape, circuit)).toBe(refused / CALLS);
  });

  it('has the rejection alert measure the share refused on a circuit whose fallback answers', async () => {
    // `pricing` (test/metrics): a failure that opens it and a refusal, each answered by its
    // `fallback`. The fallbacks have their own series: the outcomes still add up to the calls.
    const registry = new Registry();
    const withFallbacks = await startInventoryApp({ metrics: { registry } });
    try {
      await driveKnownSequence(withFallbacks.get(InventoryClient));
      const pricing = parseScrape(await registry.metrics());
      const calls = { name: 'circuit_breaker_calls_total', matchers: [] };
      const fallbacks = { name: 'circuit_breaker_fallbacks_total', matchers: [] };
      expect(sumOf(calls, pricing, 'pricing')).toBe(2);
      expect(sumOf(fallbacks, pricing, 'pricing')).toBe(2);
      const { expr } = alerts.find(({ alert }) => alert === 'CircuitBreakerManyRejections')!;
      const [rejected, all] = usesOf(expr).metrics;
      expect(sumOf(rejected!, pricing, 'pricing') / sumOf(all!, pricing, 'pricing')).toBe(1 / 2);
    } finally {
      await withFallbacks.close();
    }
  });

  it.each(alerts.map((rule) => [rule.alert, rule] as const))(
    'alert %s uses metrics, labels and values the scrape has',
    (_name, { expr, annotations = {} }) => {
      expect(problemsOf(expr, scrape, Object.values(annotations))).toEqual([]);
    },
  );

  it.each(panelQueries.map((query) => [`${query.title}: ${query.legendFormat}`, query] as const))(
    'panel query %s uses metrics, labels and values the scrape has',
    (_name, { expr, legendFormat = '' }) => {
      expect(problemsOf(expr, scrape, [legendFormat])).toEqual([]);
    },
  );

  it('offers the circuits of a label the scrape has', () => {
    const circuits = dashboard.templating.list.find(({ name }) => name === 'circuit')!;
    const [, metric, label] = /^label_values\((\w+), (\w+)\)$/.exec(circuits.definition!)!;
    expect(scrape.series.get(metric!)?.get(label!)).toContain(circuit);
  });

  it('finds what is wrong in a query that is wrong', () => {
    expect(
      problemsOf(
        'sum by (job, circut) (rate(circuit_breaker_calls_total{outcome="rejection"}[5m])) / circuit_breaker_call_total',
        scrape,
        ['{{ $labels.state }}'],
      ),
    ).toEqual([
      'circuit_breaker_calls_total has no series with outcome="rejection"',
      'metric circuit_breaker_call_total is not in the scrape',
      'label circut is on none of the metrics of sum by (job, circut) (rate(circuit_breaker_calls_total{outcome="rejection"}[5m])) / circuit_breaker_call_total',
      'label state is on none of the metrics of sum by (job, circut) (rate(circuit_breaker_calls_total{outcome="rejection"}[5m])) / circuit_breaker_call_total',
    ]);
    expect(problemsOf('circuit_breaker_state{stat=~"open|closed"}', scrape)).toEqual([
      'circuit_breaker_state has no label stat',
    ]);
  });
});
