/** Entering a code at the counter or on the patient page: camera scanning where possible, and the code form. */
import { useEffect, useState, type RefObject } from 'hono/jsx/dom';
import { parseCode, PAYLOAD_PREFIX } from '../domain/code.js';
import { repairKeyboardLayout } from '../domain/keyboard.js';
import type { I18n } from './ui.js';

/** Why a text is not a code: too short, too long, a typo caught by the check symbol, or not a code at all. */
export type CodeFault = 'short' | 'long' | 'bad_check' | 'not_code';

/** What parseCode reads at most; anything longer is not a code (and is not even looked at). */
const MAX_INPUT = 200;
const DATA_SYMBOLS = 40;

/**
 * Why `text` is not a prescription code, or null when it is one. The reading is parseCode's
 * (domain/code.ts); for a refusal, the symbols are counted as it counts them (prefix, separators
 * and the keyboard-layout repair aside), so that a code missing characters or with too many says
 * so. Anything with another character (markup, control characters) or overlong is `not_code`.
 */
export function codeFault(text: string): CodeFault | null {
  const parsed = parseCode(text);
  if (parsed.ok) return null;
  if (parsed.reason === 'bad_check') return 'bad_check';
  if (text.length > MAX_INPUT) return 'not_code';
  let bare = repairKeyboardLayout(text.trim().normalize('NFC'));
  if (bare.slice(0, PAYLOAD_PREFIX.length).toUpperCase() === PAYLOAD_PREFIX) bare = bare.slice(PAYLOAD_PREFIX.length);
  bare = bare.replace(/[\s\-\u2010-\u2015\u2212]/g, '');
  if (!/^[0-9A-Za-z*~$=]*$/.test(bare)) return 'not_code';
  if (bare.length < DATA_SYMBOLS) return 'short';
  if (bare.length > DATA_SYMBOLS + 1) return 'long';
  return 'not_code';
}

/** A code fault in the page's words. */
export function codeFaultText(i: I18n, fault: CodeFault): string {
  if (fault === 'bad_check') return i.t('problem.bad_check');
  return i.t(fault === 'short' ? 'code.short' : fault === 'long' ? 'code.long' : 'code.notCode');
}

/** Camera scanning where the browser has a DataMatrix BarcodeDetector; calls back with the text. */
export function CameraScan(props: I18n & { onText: (text: string) => void }) {
  const [on, setOn] = useState(false);
  const [supported, setSupported] = useState(false);
  useEffect(() => {
    const BD = (globalThis as { BarcodeDetector?: { getSupportedFormats(): Promise<string[]> } }).BarcodeDetector;
    BD?.getSupportedFormats().then((f) => setSupported(f.includes('data_matrix')), () => undefined);
  }, []);
  useEffect(() => {
    if (!on) return;
    let stop = false;
    let stream: MediaStream | undefined;
    const video = document.getElementById('camera') as HTMLVideoElement;
    (async () => {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
      video.srcObject = stream;
      await video.play();
      const BD = (globalThis as unknown as { BarcodeDetector: new (o: object) => { detect(v: HTMLVideoElement): Promise<{ rawValue: string }[]> } }).BarcodeDetector;
      const detector = new BD({ formats: ['data_matrix'] });
      while (!stop) {
        const [found] = await detector.detect(video).catch(() => []);
        if (found) {
          setOn(false);
          props.onText(String(found.rawValue));
          return;
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    })().catch(() => setOn(false));
    return () => {
      stop = true;
      stream?.getTracks().forEach((tr) => tr.stop());
    };
  }, [on]);
  if (!supported) return null;
  return (
    <div class="camera">
      <button type="button" class="quiet" onClick={() => setOn(!on)}>{props.t(on ? 'counter.cameraStop' : 'counter.camera')}</button>
      {on && <video id="camera" muted playsinline />}
    </div>
  );
}

/**
 * Where a code comes in: typed, or typed by a scanner (payload then Enter), or from the camera —
 * the three go through the same check. The field is emptied as soon as it is read: a code does
 * not stay on screen. With `onInvalid`, a text that is not a code (codeFault) is refused here,
 * with its reason in words, and `onCode` is not called: nothing is sent, nothing is shown of it.
 */
export function CodeForm(props: I18n & { id: string; label: string; hint: string; submit: string; busy: boolean; onCode: (text: string) => void; onInvalid?: (message: string) => void; inputRef?: RefObject<HTMLInputElement | null>; autofocus?: boolean; class?: string }) {
  const take = (text: string) => {
    if (!text.trim()) return;
    const fault = props.onInvalid ? codeFault(text) : null;
    if (fault) props.onInvalid!(codeFaultText(props, fault));
    else props.onCode(text);
  };
  const onSubmit = (e: Event) => {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem(props.id) as HTMLInputElement;
    const text = input.value;
    input.value = '';
    take(text);
  };
  return (
    <form class={`card ${props.class ?? ''}`} onSubmit={onSubmit}>
      <label for={props.id}>{props.label}</label>
      <div class="row">
        <input id={props.id} name={props.id} ref={props.inputRef} autocomplete="off" autocapitalize="characters" spellcheck={false} aria-describedby={`${props.id}-hint`} autofocus={props.autofocus} />
        <button type="submit" disabled={props.busy}>{props.submit}</button>
      </div>
      <p id={`${props.id}-hint`} class="hint">{props.hint}</p>
      <CameraScan {...props} onText={take} />
    </form>
  );
}
