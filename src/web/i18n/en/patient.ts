/** English words of /patient: the same keys as French. */
import type { patient as fr } from '../fr/patient.js';

export const patient: Record<keyof typeof fr, string> = {
  'patient.code': 'Prescription code',
  'patient.codeHint': '40 or 41 characters, as printed under the barcode',
  'patient.open': 'Show',
  'patient.show': 'Show this code at the counter',
  'patient.codeText': 'The code to read out, on the phone for instance:',
  'patient.forget': 'Clear the screen',
  'patient.print': 'Print',
  'patient.download': 'Download the evidence',
  'patient.downloadHint': 'The evidence is this prescription’s signed history, in a file anyone can check with “ordo verify”, without Ordo. It does not contain the code.',
  'patient.left.title': 'What is left to dispense',
  'patient.left.now': '{label}: {what} left.',
  'patient.left.some': '{label}: {what} left, {now} of it now.',
  'patient.left.due': '{label}: {what} left, from {when}.',
  'patient.left.dueToday': '{label}: {what} left, from {when} today.',
  'patient.left.done': '{label}: all dispensed.',
  'patient.nextDue': 'Next delivery possible from {when}.',
  'patient.nextDueToday': 'Next delivery possible from {when} today.',
  'patient.state.completed': 'Everything has been dispensed: this prescription is complete.',
  'patient.state.cancelled': '{prescriber} cancelled this prescription: “{reason}”. It can no longer be dispensed.',
  'patient.state.cancelledNoReason': '{prescriber} cancelled this prescription. It can no longer be dispensed.',
  'patient.state.expired': 'This prescription was valid until {date}: it can no longer be dispensed. Ask for a new prescription if you still need the treatment.',
  'patient.state.claimed': '{pharmacy} is dispensing it now.',
  'patient.state.claimedAnon': 'A pharmacy is dispensing it now.',
};
