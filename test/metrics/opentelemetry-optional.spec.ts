import { jest } from '@jest/globals';

// An app without @opentelemetry/api installed: importing it fails, as it would when it is missing.
jest.unstable_mockModule('@opentelemetry/api', () => {
  throw new Error("Cannot find package '@opentelemetry/api'");
});
const { describeOptionalPeer } = await import('./support/optional-peer.js');

describeOptionalPeer('@opentelemetry/api', 'openTelemetry');
