import { jest } from '@jest/globals';

// An app without prom-client installed: importing it fails, as it would when it is missing.
jest.unstable_mockModule('prom-client', () => {
  throw new Error("Cannot find package 'prom-client'");
});
const { describeOptionalPeer } = await import('./support/optional-peer.js');

describeOptionalPeer('prom-client', 'metrics');
