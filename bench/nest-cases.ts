// The per-call cases that run through NestJS, one group per process (`npm run bench` forks
// this): apps and circuits of one group would otherwise change how V8 optimizes another's.
import { decoratorBench } from './decorator-cases.js';
import { integrationBench } from './integration-cases.js';
import { bareCase, perCallReport } from './measure.js';

const groups = {
  decorator: ['Per call, the decorator on the engine', decoratorBench],
  integrations: ['Per call, with metrics and stores', integrationBench],
} as const;
const [title, build] = groups[process.argv[2] as keyof typeof groups];
const group = await build();
await perCallReport(title, { ...group, cases: [bareCase(), ...group.cases] });
await group.close();
