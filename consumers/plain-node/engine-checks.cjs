// What both entries must do, whichever way the engine was loaded (engine.cjs and engine.mjs).
const assert = require('node:assert/strict');

/** Trips a circuit of `engine` and checks its refusal; `how` names the way it was loaded. */
async function checkEngine(engine, how) {
  const { Circuit, CircuitOpenError, CircuitState, isCircuitOpenError } = engine;
  const circuit = new Circuit('payments', { failureThreshold: 2, resetTimeoutMs: 60_000 });
  const failing = () => Promise.reject(new Error('payments is unreachable'));

  assert.equal(await circuit.execute(() => Promise.resolve('ok')), 'ok');
  for (let i = 0; i < 2; i++)
    await assert.rejects(circuit.execute(failing), /payments is unreachable/);
  assert.equal(circuit.state, CircuitState.Open);

  let ran = false;
  const refusal = await circuit
    .execute(async () => (ran = true))
    .then(
      () => assert.fail('an open circuit let a call through'),
      (error) => error,
    );
  assert.equal(ran, false, 'the refused function did not run');
  assert.ok(refusal instanceof CircuitOpenError);
  assert.ok(isCircuitOpenError(refusal));
  assert.equal(isCircuitOpenError(new Error('other')), false);
  assert.equal(refusal.circuit, 'payments');
  assert.ok(refusal.retryAfterMs > 0 && refusal.retryAfterMs <= 60_000);
  assert.equal(circuit.stats().state, 'open');

  console.log(`${how}: ${refusal.message}, retry after ${refusal.retryAfterMs} ms`);
}

module.exports = { checkEngine };
