/** A problem answered by Ordo, as a typed error carrying the RFC 9457 document. */
export type Problem = { type: string; title: string; status: number; detail: string; code: string; [key: string]: unknown };

export class OrdoProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.title}: ${problem.detail}`);
    this.name = 'OrdoProblemError';
  }
  get code() {
    return this.problem.code;
  }
  get status() {
    return this.problem.status;
  }
}
