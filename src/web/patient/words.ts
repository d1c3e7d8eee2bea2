/**
 * What the patient reads about their prescription, in sentences: what is left of each line and
 * from when (`remaining[].dispensableNow` / `dueAt`), when the next delivery may be
 * (`nextDueAt`), and what a closed state means for them.
 */
import type { TimelineEntry } from '../../client/bundle.js';
import type { Lookup } from '../../client/client.js';
import { deLabel, quantityText } from '../i18n.js';
import { whoText } from '../trace-view.js';
import { formatDay, formatWhen, isToday, type Content, type I18n } from '../ui.js';

/** One sentence a line: "Il reste 2 boîtes de Paracétamol, à partir du …" / "Paracétamol: 2 boîtes left, from …". */
export function leftWords(i: I18n, content: Content, remaining: Lookup['remaining']): string[] {
  const { t } = i;
  return content.items.flatMap((item, n) => {
    const r = remaining.find((x) => x.item === n);
    if (!r) return [];
    const vars = { label: item.label, ofLabel: deLabel(item.label), what: quantityText(r.remaining, item.unit) };
    if (r.remaining <= 0) return [t('patient.left.done', vars)];
    const now = r.dispensableNow ?? r.remaining; // absent from answers older than the field: no pace known, say nothing of one
    if (now >= r.remaining || (now <= 0 && !r.dueAt)) return [t('patient.left.now', vars)];
    if (now > 0) return [t('patient.left.some', { ...vars, now: quantityText(now, item.unit) })];
    return [t(isToday(r.dueAt!) ? 'patient.left.dueToday' : 'patient.left.due', { ...vars, when: formatWhen(i.lang, r.dueAt!) })];
  });
}

/** "Prochaine délivrance possible à partir du …", or null when something may be dispensed now (or nothing is left). */
export function nextDueWords(i: I18n, nextDueAt: string | null): string | null {
  if (!nextDueAt) return null;
  return i.t(isToday(nextDueAt) ? 'patient.nextDueToday' : 'patient.nextDue', { when: formatWhen(i.lang, nextDueAt) });
}

/** What the state means for the patient, or null while it is simply active. */
export function stateWords(i: I18n, look: Lookup, entries: TimelineEntry[]): { text: string; kind: 'ok' | 'warn' } | null {
  const { t } = i;
  const prescriber = look.prescription.prescriber.name ?? look.prescription.prescriber.id;
  switch (look.status) {
    case 'cancelled':
      return { kind: 'warn', text: look.cancelReason ? t('patient.state.cancelled', { prescriber, reason: look.cancelReason }) : t('patient.state.cancelledNoReason', { prescriber }) };
    case 'expired':
      return { kind: 'warn', text: t('patient.state.expired', { date: formatDay(i.lang, look.prescription.validUntil) }) };
    case 'completed':
      return { kind: 'ok', text: t('patient.state.completed') };
    case 'claimed': {
      const holder = entries.filter((e) => e.type === 'claimed').at(-1);
      return { kind: 'ok', text: holder?.who ? t('patient.state.claimed', { pharmacy: whoText(i, holder.who) }) : t('patient.state.claimedAnon') };
    }
    default:
      return null;
  }
}
