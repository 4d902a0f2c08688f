/**
 * The form the engine's refusal and timeout errors take in this process. The engine imports no
 * framework, yet a framework's own error handling may only recognise its own error types: the
 * NestJS module sets a form per error (an `HttpException` carrying the same brand and fields),
 * so that every such error, wherever a circuit makes it, is born in the form Nest answers, at no
 * cost to a call that succeeds. Until a form is set, as for engine-only users, each error is
 * itself. One setting per copy of the package, like the classes it applies to.
 */
const forms = new Map<string, (error: Error) => Error>();

/** From now on, each new error of the class named `name` is `form(error)`. */
export function setErrorForm<E extends Error>(name: string, form: (error: E) => E): void {
  forms.set(name, form as unknown as (error: Error) => Error);
}

/** `error` (just built, of the class named `name`) in the form set for it, or itself. */
export function inItsForm<E extends Error>(name: string, error: E): E {
  const form = forms.get(name);
  return form === undefined ? error : (form(error) as E);
}
