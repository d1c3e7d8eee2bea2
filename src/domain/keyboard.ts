/**
 * Repair of a payload typed by a barcode scanner set to the other keyboard layout.
 *
 * A USB scanner is a keyboard: it sends key positions, not characters, chosen for the layout it
 * is configured for. When the host uses the other layout, each character comes out as whatever
 * the host layout puts on that key (with the same Shift state). Between US QWERTY and French
 * AZERTY (the PC layout; rows compared key for key):
 *
 *   digits row  US  1 2 3 4 5 6 7 8 9 0    Shift ! @ # $ % ^ & * ( )
 *               FR  & é " ' ( - è _ ç à    Shift 1 2 3 4 5 6 7 8 9 0
 *   top row     US  Q W E R T Y …          FR  A Z E R T Y …
 *   home row    US  A S D … L ;            FR  Q S D … L M
 *   bottom row  US  Z X C V B N M , . /    FR  W X C V B N , ; : !
 *               (Shift on the FR bottom row: , → ?   ; → .   : → /   ! → §)
 *
 * Only what a payload can contain matters: `ORDO1:`, the digits and the letters of Crockford's
 * base32 (no I, L, O, U). Letters are sent with Shift (the payload is upper case).
 *
 * We repair only when the whole prefix shows the mismatch (`ORDO&M` or `ORDO!.`), so a payload
 * typed correctly is never rewritten, and a string that merely contains `&` is left to fail.
 */

/**
 * QWERTY-configured scanner, AZERTY host (the case the design names): the scanner presses the
 * US key for each character, the host reads it as AZERTY.
 * `1`…`0` (unshifted US digits) → `&é"'(-è_çà`; `:` (Shift+US `;`) → `M`; `M` (Shift+US `m`) →
 * `?`; A/Q and Z/W swap. The map goes from what arrives back to what was meant.
 * Aliases: `§` for 6 and `!` for 8 are the digits row of the Mac French and Belgian AZERTY
 * layouts, which differ from the PC layout only there; neither character can mean anything else.
 */
const QWERTY_SCANNER_ON_AZERTY: Readonly<Record<string, string>> = {
  '&': '1', 'é': '2', '"': '3', "'": '4', '(': '5', '-': '6', 'è': '7', '_': '8', 'ç': '9', 'à': '0',
  '§': '6', '!': '8',
  M: ':', '?': 'M',
  A: 'Q', Q: 'A', Z: 'W', W: 'Z',
};

/**
 * AZERTY-configured scanner, QWERTY host (the reverse, derived from the same key rows): digits
 * are Shift+digits-row on AZERTY, so they arrive as `!@#$%^&*()`; `:` is the unshifted AZERTY key
 * where US has `.`; `M` is Shift+the AZERTY key where US has `;`, so it arrives as `:`; A/Q and
 * Z/W swap.
 */
const AZERTY_SCANNER_ON_QWERTY: Readonly<Record<string, string>> = {
  '!': '1', '@': '2', '#': '3', '$': '4', '%': '5', '^': '6', '&': '7', '*': '8', '(': '9', ')': '0',
  '.': ':', ':': 'M',
  A: 'Q', Q: 'A', Z: 'W', W: 'Z',
};

/** Each mismatch, recognised by what `ORDO1:` becomes under it. */
const LAYOUT_MISMATCHES: ReadonlyArray<{ prefix: string; table: Readonly<Record<string, string>> }> = [
  { prefix: 'ORDO&M', table: QWERTY_SCANNER_ON_AZERTY },
  { prefix: 'ORDO!.', table: AZERTY_SCANNER_ON_QWERTY },
];

/** The tables, for tests that check them against a model of the key rows. */
export const layoutTables = { QWERTY_SCANNER_ON_AZERTY, AZERTY_SCANNER_ON_QWERTY } as const;

/**
 * Undoes a layout mismatch when `input` starts (case-insensitively) with `ORDO&M` or `ORDO!.`,
 * returning `ORDO1:` followed by the repaired rest; any other input is returned unchanged.
 * Characters the table does not know are kept, so a wrong repair still fails parsing later.
 * Expects input already trimmed (a scanner's trailing Enter removed).
 */
export function repairKeyboardLayout(input: string): string {
  const head = input.slice(0, 6).toUpperCase();
  const mismatch = LAYOUT_MISMATCHES.find((m) => m.prefix === head);
  if (!mismatch) return input;
  let rest = '';
  for (const ch of input.slice(6)) {
    // Letters are matched upper case: a host with Caps Lock on delivers them lower case.
    const key = ch >= 'a' && ch <= 'z' ? ch.toUpperCase() : ch;
    rest += mismatch.table[key] ?? key;
  }
  return 'ORDO1:' + rest;
}
