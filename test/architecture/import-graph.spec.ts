import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// The structure of lib/, as the README's "Structure" section draws it, checked on every import:
//
//   index.ts                               the public entry
//   circuit-breaker.module.ts (+ its definition and options interface)    the assembly
//   admin/  metrics/  store/  health/  notifications/  microservices/  openapi/  outbound/
//                                          optional parts, each on its own
//   core/                                  registry, decorators, explorer, filter
//   engine/                                the breaker, no NestJS at all
//
// Imports run downwards only; no file imports itself back through others; the engine imports
// nothing but its own files and Node's built-ins; an optional peer is loaded only by the part
// that needs it, and only when asked.

const lib = fileURLToPath(new URL('../../lib/', import.meta.url));

interface Import {
  from: string; // file, relative to lib/
  to: string; // a file relative to lib/, or a package name
  typeOnly: boolean;
  dynamic: boolean;
}

const LAYERS: Record<string, number> = {
  engine: 0,
  core: 1,
  admin: 2,
  metrics: 2,
  store: 2,
  health: 2,
  notifications: 2,
  microservices: 2,
  openapi: 2,
  outbound: 2,
  assembly: 3,
  entry: 4,
};

function layerOf(file: string): string {
  if (file === 'index.ts') return 'entry';
  const folder = file.includes('/') ? file.split('/')[0]! : 'assembly';
  if (!(folder in LAYERS)) throw new Error(`${file} is in no known part of lib/`);
  return folder;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(lib, path)] : [];
  });
}

function importsOf(file: string): Import[] {
  const text = readFileSync(join(lib, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean, dynamic: boolean) => {
    const to = specifier.startsWith('.')
      ? normalize(join(dirname(file), specifier)).replace(/\.js$/, '.ts')
      : specifier;
    found.push({ from: file, to, typeOnly, dynamic });
  };
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      let typeOnly = false;
      if (ts.isImportDeclaration(node)) {
        const clause = node.importClause;
        const bindings = clause?.namedBindings;
        typeOnly =
          clause !== undefined &&
          (clause.isTypeOnly ||
            (clause.name === undefined &&
              bindings !== undefined &&
              ts.isNamedImports(bindings) &&
              bindings.elements.length > 0 &&
              bindings.elements.every((element) => element.isTypeOnly)));
      } else typeOnly = node.isTypeOnly;
      add(node.moduleSpecifier.text, typeOnly, false);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      add(node.arguments[0].text, false, true);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const literal = node.argument.literal;
      if (ts.isStringLiteral(literal)) add(literal.text, true, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const files = sourceFiles(lib).sort();
const imports = files.flatMap(importsOf);
const local = imports.filter(({ to }) => to.endsWith('.ts'));
const packages = imports.filter(({ to }) => !to.endsWith('.ts'));

/** The optional peers, and the one part allowed to load each (by type only, or lazily). */
const OPTIONAL_PEERS: Record<string, string> = {
  'prom-client': 'metrics',
  '@opentelemetry/api': 'metrics',
  ioredis: 'store',
  '@nestjs/terminus': 'health',
  axios: 'outbound',
  undici: 'outbound',
};

describe('the import graph of lib/', () => {
  it('finds every file and every local import target', () => {
    expect(files.length).toBeGreaterThan(40);
    for (const { from, to } of local)
      expect(`${from} → ${to}: ${files.includes(to)}`).toMatch(/true$/);
  });

  it('has no cycle', () => {
    const edges = new Map(
      files.map((file) => [file, local.filter((i) => i.from === file).map((i) => i.to)]),
    );
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const walk = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of edges.get(file) ?? []) walk(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) walk(file, []);
    expect(cycles).toEqual([]);
  });

  it('runs downwards only: no part imports one above it, nor an optional part another', () => {
    const wrong = local.filter(({ from, to }) => {
      const [a, b] = [layerOf(from), layerOf(to)];
      return LAYERS[b]! > LAYERS[a]! || (LAYERS[a] === 2 && LAYERS[b] === 2 && a !== b);
    });
    expect(wrong.map(({ from, to }) => `${from} → ${to}`)).toEqual([]);
  });

  it('keeps the engine to itself: its own files and Node’s built-ins, no @nestjs/* nor any package', () => {
    const engineImports = imports.filter(({ from }) => layerOf(from) === 'engine');
    expect(engineImports.length).toBeGreaterThan(20);
    const outside = engineImports.filter(
      ({ to }) => !(to.startsWith('engine/') || to.startsWith('node:')),
    );
    expect(outside.map(({ from, to }) => `${from} → ${to}`)).toEqual([]);
  });

  it('loads an optional peer only in its own part, and there only by type or lazily', () => {
    const wrong = packages.filter(({ from, to, typeOnly, dynamic }) => {
      const owner = OPTIONAL_PEERS[to];
      if (owner === undefined) return false;
      return layerOf(from) !== owner || !(typeOnly || dynamic);
    });
    expect(wrong.map(({ from, to }) => `${from} → ${to}`)).toEqual([]);
    for (const peer of Object.keys(OPTIONAL_PEERS)) {
      expect(packages.some(({ to }) => to === peer)).toBe(true); // the check looks at something
    }
  });

  it('loads neither @nestjs/swagger nor @nestjs/microservices: their integrations need nothing from them', () => {
    // protect() is an rxjs operator; @ApiCircuitBreakerResponses() writes Swagger's metadata.
    const loaded = packages.filter(({ to }) => /^@nestjs\/(swagger|microservices)(\/|$)/.test(to));
    expect(loaded.map(({ from, to }) => `${from} → ${to}`)).toEqual([]);
    expect(files).toEqual(
      expect.arrayContaining([
        'microservices/protect.operator.ts',
        'openapi/api-circuit-breaker-responses.decorator.ts',
      ]),
    );
  });
});
