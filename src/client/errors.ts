/** A problem answered by Ordo, as a typed error carrying the RFC 9457 document. */
import type { V1Problem } from '../contract/index.js';

/** The RFC 9457 document, as the contract describes it. */
export type Problem = V1Problem;

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
