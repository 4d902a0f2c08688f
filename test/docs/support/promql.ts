// Just enough of PromQL to say which metrics and labels an expression uses: a tokenizer and a
// linear walk over its tokens. Grafana's variables ($circuit, ${datasource}, $__rate_interval)
// are read as tokens of their own.

export interface Matcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

export interface MetricUse {
  readonly name: string;
  readonly matchers: readonly Matcher[];
}

export interface PromqlUses {
  readonly metrics: readonly MetricUse[];
  /** Labels named by by / without / on / ignoring / group_left / group_right. */
  readonly groupingLabels: readonly string[];
}

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'variable'; text: string }
  | { kind: 'punct'; text: string };

const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2']);
const MATCH_OPS = new Set(['=', '!=', '=~', '!~']);
const PUNCT = [
  '=~',
  '!~',
  '!=',
  '==',
  '>=',
  '<=',
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ',',
  '=',
  '>',
  '<',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '@',
];

export function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const rest = () => expr.slice(i);
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < expr.length && expr[i] !== '\n') i++;
    } else if (c === '"' || c === "'" || c === '`') {
      let text = '';
      for (i++; expr[i] !== c; i++) {
        if (i >= expr.length) throw new Error(`unterminated string in ${expr}`);
        if (expr[i] === '\\' && c !== '`') text += expr[++i];
        else text += expr[i];
      }
      i++;
      tokens.push({ kind: 'string', text });
    } else if (c === '$') {
      const [match] = /^\$(\{[^}]+\}|\w+)/.exec(rest()) ?? [];
      if (match === undefined) throw new Error(`stray $ in ${expr}`);
      tokens.push({ kind: 'variable', text: match });
      i += match.length;
    } else if (/[0-9.]/.test(c)) {
      const [match] = /^[0-9.][0-9a-zA-Z._+-]*/.exec(rest())!;
      tokens.push({ kind: 'number', text: match });
      i += match.length;
    } else if (/[a-zA-Z_:]/.test(c)) {
      const [match] = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rest())!;
      tokens.push({ kind: 'ident', text: match });
      i += match.length;
    } else {
      const punct = PUNCT.find((p) => expr.startsWith(p, i));
      if (punct === undefined) throw new Error(`unexpected ${JSON.stringify(c)} in ${expr}`);
      tokens.push({ kind: 'punct', text: punct });
      i += punct.length;
    }
  }
  return tokens;
}

/** The metrics (with their label matchers) and grouping labels `expr` uses. */
export function usesOf(expr: string): PromqlUses {
  const tokens = tokenize(expr);
  const metrics: MetricUse[] = [];
  const groupingLabels: string[] = [];
  const at = (i: number) => tokens[i];
  const isPunct = (i: number, text: string) => at(i)?.kind === 'punct' && at(i)!.text === text;

  const readMatchers = (start: number): [Matcher[], number] => {
    const matchers: Matcher[] = [];
    let i = start + 1; // past '{'
    while (!isPunct(i, '}')) {
      const label = at(i);
      const op = at(i + 1);
      const value = at(i + 2);
      if (
        label?.kind !== 'ident' ||
        op?.kind !== 'punct' ||
        !MATCH_OPS.has(op.text) ||
        value?.kind !== 'string'
      ) {
        throw new Error(`cannot read the label matchers of ${expr}`);
      }
      matchers.push({ label: label.text, op: op.text as Matcher['op'], value: value.text });
      i += 3;
      if (isPunct(i, ',')) i++;
    }
    return [matchers, i + 1];
  };

  for (let i = 0; i < tokens.length;) {
    const token = tokens[i]!;
    if (token.kind === 'punct' && token.text === '[') {
      while (!isPunct(i, ']')) i++; // a range or subquery: durations and variables only
      i++;
    } else if (token.kind === 'punct' && token.text === '{') {
      const [matchers, next] = readMatchers(i);
      const name = matchers.find((m) => m.label === '__name__' && m.op === '=');
      metrics.push({ name: name?.value ?? '', matchers: matchers.filter((m) => m !== name) });
      i = next;
    } else if (token.kind === 'ident' && GROUPING.has(token.text)) {
      i++;
      if (isPunct(i, '(')) {
        for (i++; !isPunct(i, ')'); i++) {
          if (at(i)?.kind === 'ident') groupingLabels.push(at(i)!.text);
        }
        i++;
      }
    } else if (token.kind === 'ident' && KEYWORDS.has(token.text)) {
      i++;
    } else if (token.kind === 'ident') {
      const next = at(i + 1);
      const called = next?.kind === 'punct' && next.text === '(';
      const aggregated = next?.kind === 'ident' && (next.text === 'by' || next.text === 'without');
      if (called || aggregated) {
        i++; // a function or an aggregation
      } else if (isPunct(i + 1, '{')) {
        const [matchers, after] = readMatchers(i + 1);
        metrics.push({ name: token.text, matchers });
        i = after;
      } else {
        metrics.push({ name: token.text, matchers: [] });
        i++;
      }
    } else {
      i++;
    }
  }
  return { metrics, groupingLabels };
}

/** The labels a legend or an annotation template names: `{{circuit}}`, `{{ $labels.circuit }}`. */
export function templateLabels(template: string): string[] {
  return [...template.matchAll(/\{\{\s*(?:\$labels\.)?([a-zA-Z_]\w*)\s*\}\}/g)].map(
    ([, label]) => label!,
  );
}
