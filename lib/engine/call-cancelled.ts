/**
 * Settles a call that its caller gave up on before it had an outcome (an Observable
 * unsubscribed from before its first value): neither a success nor a failure, so the call
 * frees its place (a half-open probe permit) without moving the circuit.
 */
export class CallCancelled {}
