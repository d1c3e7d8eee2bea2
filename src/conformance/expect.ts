/**
 * The conformance checks' own assertions: each failure is a `CheckFailed` whose message says
 * what was expected and what came, in one line an operator reads in the report. No test
 * framework: the checks run from the CLI against a deployment as well as under vitest.
 */
import { OrdoProblemError, type Problem } from '../client/errors.js';

/** A check's verdict against the deployment (as opposed to a bug of the check itself). */
export class CheckFailed extends Error {
  override name = 'CheckFailed';
}

export function fail(message: string): never {
  throw new CheckFailed(message);
}

/** A value in a message: JSON, cut at 200 characters. */
export function show(value: unknown): string {
  const text = value === undefined ? 'undefined' : typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** A problem in a message: status, code, title and detail (never its other members, which may echo input). */
export const showProblem = (p: Problem) => {
  const detail = typeof p.detail === 'string' && p.detail ? `: ${p.detail.length > 200 ? `${p.detail.slice(0, 197)}...` : p.detail}` : '';
  return `${p.status} ${p.code} (${p.title}${detail})`;
};

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Whether `got` has every member of `partial` (recursively), as vitest's toMatchObject. */
function matches(got: unknown, partial: unknown): boolean {
  if (typeof partial !== 'object' || partial === null || typeof got !== 'object' || got === null) return deepEqual(got, partial);
  if (Array.isArray(partial)) return Array.isArray(got) && got.length === partial.length && partial.every((p, i) => matches(got[i], p));
  return Object.entries(partial).every(([k, v]) => matches((got as Record<string, unknown>)[k], v));
}

/** `what`: expected `expected`, got `got` (deep equality). */
export function expectEqual(got: unknown, expected: unknown, what: string): void {
  if (!deepEqual(got, expected)) fail(`${what}: expected ${show(expected)}, got ${show(got)}`);
}

/** `what`: expected at least the members of `partial`. */
export function expectMatch(got: unknown, partial: unknown, what: string): void {
  if (!matches(got, partial)) fail(`${what}: expected ${show(partial)}, got ${show(got)}`);
}

/** `what` must hold; `got` says what was seen instead. */
export function expectThat(condition: boolean, what: string, got?: unknown): void {
  if (!condition) fail(arguments.length > 2 ? `${what}: got ${show(got)}` : what);
}

/** Awaits one step of a check; an answer other than success fails with the step's name and the problem. */
export async function step<T>(what: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof CheckFailed) throw err;
    if (err instanceof OrdoProblemError) fail(`${what}: expected success, Ordo answered ${showProblem(err.problem)}`);
    fail(`${what}: ${reasonOf(err)}`);
  }
}

/** Awaits a step that must be refused with problem `code`; returns the problem. */
export async function expectProblem(what: string, p: Promise<unknown>, code: string): Promise<Problem> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof OrdoProblemError)) fail(`${what}: expected problem ${code}, ${reasonOf(err)}`);
    if (err.problem.code !== code) fail(`${what}: expected problem ${code}, Ordo answered ${showProblem(err.problem)}`);
    return err.problem;
  }
  fail(`${what}: expected problem ${code}, Ordo answered success`);
}

/** The reason a step did not run, in one line: a network error names its cause. */
export function reasonOf(err: unknown): string {
  if (err instanceof CheckFailed) return err.message;
  if (err instanceof OrdoProblemError) return `Ordo answered ${showProblem(err.problem)}`;
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TypeError' && /fetch failed/.test(e.message ?? '')) return `cannot reach Ordo (${e.cause?.code ?? e.cause?.message ?? e.message})`;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer in time (${e.message})`;
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`;
}

/** `res` must have `status`; otherwise fails naming the status and, for a problem, its code and detail. The body is left unread on success. */
export async function expectStatus(res: Response, status: number, what: string): Promise<void> {
  if (res.status === status) return;
  const type = res.headers.get('content-type') ?? '';
  const problem = type.includes('json') ? ((await res.json().catch(() => null)) as Problem | null) : (await res.body?.cancel(), null);
  fail(`${what}: expected status ${status}, got ${problem?.code ? showProblem(problem) : res.status}`);
}
