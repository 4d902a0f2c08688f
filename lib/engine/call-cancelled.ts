/**
 * Settles a call that its caller gave up on before it had an outcome (an Observable
 * unsubscribed from before its first value): neither a success nor a failure, so the call
 * frees its place (a half-open probe permit) without moving the circuit. One frozen value,
 * told by identity: an error the call threw is never probed with `instanceof` to find it (a
 * thrown Proxy may throw from its traps).
 */
export const CALL_CANCELLED: unique symbol = Symbol('nestjs-circuit-breaker:call-cancelled');
