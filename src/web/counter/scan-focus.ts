/**
 * The scan field hears the scanner whatever was clicked last. A scanner is a keyboard: it types
 * the payload then Enter into whatever has the focus. So, page-wide:
 *
 * - a printable keystroke (no Ctrl, Alt or Meta; not Space, which presses buttons) aimed at
 *   anything but a field the pharmacist types in — a button, the language switch, a select, a
 *   table cell, the page itself — goes to the scan field instead, and the focus with it; the
 *   scanner's Enter then submits the scan form, not the button that had the focus;
 * - when the focus leaves for nothing (a click on text), the scan field takes it back, but only
 *   once the mouse button is up, and without scrolling: the page must not move between mouse
 *   down and up, or the click lands elsewhere. (A button that does not take the focus when
 *   clicked, as in Safari, made the page scroll up to the scan field under the pointer, and
 *   "Délivrer et signer" by mouse did nothing.)
 */
import { useEffect, type RefObject } from 'hono/jsx/dom';

const TYPED_INTO = new Set(['text', 'search', 'email', 'url', 'tel', 'password']);

/** Whether the focused element takes this key as typing (then it keeps it). */
function typesInto(el: Element | null, key: string): boolean {
  if (!el) return false;
  if (el instanceof HTMLTextAreaElement || (el instanceof HTMLElement && el.isContentEditable)) return true;
  if (!(el instanceof HTMLInputElement)) return false;
  // A number or a month field takes digits (and a number's sign and decimal mark); a letter there
  // can only be a scanner's (a payload begins with `ORDO1:`).
  if (el.type === 'number') return /^[0-9.,+-]$/.test(key);
  if (el.type === 'month' || el.type === 'date') return /^[0-9]$/.test(key);
  return TYPED_INTO.has(el.type);
}

export function useScanFocus(scan: RefObject<HTMLInputElement | null>, deps: unknown[]) {
  useEffect(() => {
    let pointerDown = false;
    const back = () => {
      const active = document.activeElement;
      if (!pointerDown && (active === null || active === document.body)) scan.current?.focus({ preventScroll: true });
    };
    const onKey = (e: KeyboardEvent) => {
      const input = scan.current;
      if (!input || input.disabled || e.defaultPrevented || e.isComposing) return;
      if (e.ctrlKey || e.metaKey || e.altKey || e.key.length !== 1 || e.key === ' ') return;
      const active = document.activeElement;
      if (active === input || typesInto(active, e.key)) return;
      e.preventDefault();
      input.focus({ preventScroll: true });
      input.value += e.key;
    };
    const onFocusOut = (e: FocusEvent) => {
      if (!e.relatedTarget) setTimeout(back, 0);
    };
    const onDown = () => { pointerDown = true; };
    const onUp = () => {
      pointerDown = false;
      setTimeout(back, 0);
    };
    document.addEventListener('keydown', onKey, true);
    document.addEventListener('focusout', onFocusOut);
    document.addEventListener('pointerdown', onDown, true);
    document.addEventListener('pointerup', onUp, true);
    document.addEventListener('pointercancel', onUp, true);
    scan.current?.focus({ preventScroll: true });
    return () => {
      document.removeEventListener('keydown', onKey, true);
      document.removeEventListener('focusout', onFocusOut);
      document.removeEventListener('pointerdown', onDown, true);
      document.removeEventListener('pointerup', onUp, true);
      document.removeEventListener('pointercancel', onUp, true);
    };
  }, deps);
}
