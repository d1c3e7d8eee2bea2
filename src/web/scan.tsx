/** Entering a code at the counter or on the patient page: camera scanning where possible, and the code form. */
import { useEffect, useState, type RefObject } from 'hono/jsx/dom';
import type { I18n } from './ui.js';

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
          props.onText(found.rawValue);
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
 * Where a code comes in: typed, or typed by a scanner (payload then Enter), or from the camera.
 * The field is emptied as soon as it is read: a code does not stay on screen.
 */
export function CodeForm(props: I18n & { id: string; label: string; hint: string; submit: string; busy: boolean; onCode: (text: string) => void; inputRef?: RefObject<HTMLInputElement | null>; autofocus?: boolean; class?: string }) {
  const onSubmit = (e: Event) => {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem(props.id) as HTMLInputElement;
    const text = input.value;
    input.value = '';
    if (text.trim()) props.onCode(text);
  };
  return (
    <form class={`card ${props.class ?? ''}`} onSubmit={onSubmit}>
      <label for={props.id}>{props.label}</label>
      <div class="row">
        <input id={props.id} name={props.id} ref={props.inputRef} autocomplete="off" autocapitalize="characters" spellcheck={false} aria-describedby={`${props.id}-hint`} autofocus={props.autofocus} />
        <button type="submit" disabled={props.busy}>{props.submit}</button>
      </div>
      <p id={`${props.id}-hint`} class="hint">{props.hint}</p>
      <CameraScan {...props} onText={props.onCode} />
    </form>
  );
}
