/** The sandbox's routes (ORDO_SANDBOX=1 only; 404 otherwise) and what /healthz adds in a sandbox. */
import { z } from '@hono/zod-openapi';
import { HealthSchema } from './system.js';

const instant = z.string().datetime({ offset: true });

/** POST /v1/admin/clock: move the sandbox's clock forward, by a duration or to an instant. */
export const ClockMoveSchema = z
  .union([
    z.object({
      advance: z
        .union([z.number().positive().max(10 * 366 * 86_400), z.string().min(3).max(40)])
        .openapi({ description: 'Seconds (a number), or an ISO 8601 duration in weeks, days, hours, minutes and seconds: "P3D", "PT10M", "P1DT12H"' }),
    }).strict(),
    z.object({ to: instant.openapi({ description: 'An RFC 3339 instant, not before the sandbox\'s time now' }) }).strict(),
  ])
  .openapi('ClockMove', { example: { advance: 'P3D' } });
export type V1ClockMove = z.input<typeof ClockMoveSchema>;

export const SandboxClockSchema = z
  .object({
    now: instant.openapi({ description: "The sandbox's time now: what validity, claims and pace are judged against" }),
    realNow: instant.openapi({ description: 'Real time: what request tokens and the documents\' iat / dispensedAt are checked against' }),
    offsetSeconds: z.number().openapi({ description: 'How far the sandbox is ahead of real time' }),
  })
  .openapi('SandboxClock', { example: { now: '2026-12-05T10:00:00.000Z', realNow: '2026-12-02T10:00:00.000Z', offsetSeconds: 259_200 } });
export type V1SandboxClock = z.infer<typeof SandboxClockSchema>;

/** GET /healthz: as outside a sandbox, and in a sandbox its time. */
export const HealthAnswerSchema = z
  .object({ ...HealthSchema.shape, sandbox: z.object({ now: instant }).optional().openapi({ description: 'Only in a sandbox (ORDO_SANDBOX=1): its time now' }) })
  .openapi('HealthAnswer', { example: { status: 'ok', database: 'ok', sandbox: { now: '2026-12-05T10:00:00.000Z' } } });
export type V1HealthAnswer = z.infer<typeof HealthAnswerSchema>;

/** GET /v1/admin/sandbox/samples: the seeded prescriptions, with their codes (test data). */
export const SandboxSamplesSchema = z
  .object({
    samples: z.array(
      z.object({
        name: z.string().openapi({ description: 'The state the sample was made to show: expired, active, claimed, paced, completed, cancelled, rotated' }),
        id: z.string(),
        prescriber: z.string(),
        status: z.string(),
        validUntil: z.string(),
        codeVersion: z.number().int(),
        code: z.string(),
        payload: z.string(),
      }),
    ),
  })
  .openapi('SandboxSamples', {
    example: { samples: [{ name: 'active', id: 'AB12CD34EF56GH78', prescriber: 'sandbox-prescriber-1', status: 'active', validUntil: '2027-03-02', codeVersion: 1, code: 'AB12-CD34-EF56-GH78-JK90', payload: 'ORDO1:AB12CD34EF56GH78JK90' }] },
  });
export type V1SandboxSamples = z.infer<typeof SandboxSamplesSchema>;
