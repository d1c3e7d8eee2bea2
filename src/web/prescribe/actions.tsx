/**
 * What the prescriber can do from a row: print again (same code), a new code for a lost or
 * photographed prescription (after a confirmation saying the old code stops working), cancel
 * with a reason (after a confirmation), renew. The confirmations are modal <dialog>s: focus
 * inside, Escape to leave, focus back on the button afterwards.
 */
import { useEffect, useRef, useState, type Child } from 'hono/jsx/dom';
import { Alert, errorText, type I18n } from '../ui.js';

/** A modal confirmation; `onConfirm` answers whether to close (false keeps it open, e.g. a reason is missing). */
function Confirm(props: I18n & { id: string; title: string; confirm: string; keep: string; danger?: boolean; focusKeep?: boolean; children: Child; onConfirm: (form: HTMLFormElement) => Promise<boolean>; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (await props.onConfirm(e.target as HTMLFormElement)) ref.current?.close();
    } catch (err) {
      setError(errorText(props, err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} class="confirm" aria-labelledby={`${props.id}-title`} onClose={props.onClose}>
      <form onSubmit={submit} noValidate>
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        {props.children}
        {error && <Alert>{error}</Alert>}
        <div class="row">
          <button type="submit" class={props.danger ? 'danger' : ''} disabled={busy}>{busy ? props.t('busy') : props.confirm}</button>
          <button type="button" class="quiet" autofocus={props.focusKeep !== false} onClick={() => ref.current?.close()}>{props.keep}</button>
        </div>
      </form>
    </dialog>
  );
}

export type RowHandlers = {
  onReprint: () => Promise<void>;
  onRotate: () => Promise<void>;
  onCancel: (reason: string) => Promise<void>;
  onRenew: () => Promise<void>;
};

export function RowActions(props: I18n & RowHandlers & { id: string; status: string; describedBy: string }) {
  const { t, id } = props;
  const [dialog, setDialog] = useState<'rotate' | 'cancel' | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);
  const open = props.status === 'active' || props.status === 'claimed';
  const run = (f: () => Promise<void>) => async () => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (err) {
      setError(errorText(props, err));
    } finally {
      setBusy(false);
    }
  };
  const button = (label: string, onClick: () => void, cls = 'quiet') => (
    <button type="button" class={cls} disabled={busy} aria-describedby={props.describedBy} onClick={onClick}>{label}</button>
  );
  return (
    <div class="rx-actions">
      {button(t('act.reprint'), run(props.onReprint), '')}
      {button(t('act.renew'), run(props.onRenew))}
      {open && button(t('act.rotate'), () => setDialog('rotate'))}
      {open && button(t('act.cancel'), () => { setMissing(false); setDialog('cancel'); }, 'quiet danger')}
      {error && <Alert>{error}</Alert>}
      {dialog === 'rotate' && (
        <Confirm {...props} id={`rotate-${id}`} title={t('rotate.title')} confirm={t('rotate.confirm')} keep={t('rotate.keep')} onClose={() => setDialog(null)}
          onConfirm={async () => { await props.onRotate(); return true; }}>
          <p>{t('rotate.text')}</p>
        </Confirm>
      )}
      {dialog === 'cancel' && (
        <Confirm {...props} id={`cancel-${id}`} title={t('cancel.title')} confirm={t('cancel.confirm')} keep={t('cancel.back')} danger focusKeep={false} onClose={() => setDialog(null)}
          onConfirm={async (form) => {
            const reason = (form.elements.namedItem('reason') as HTMLTextAreaElement).value.trim();
            setMissing(!reason);
            if (!reason) return false;
            await props.onCancel(reason);
            return true;
          }}>
          <p>{t('cancel.text')}</p>
          <label>{t('cancel.reason')}
            <textarea name="reason" autofocus rows={2} maxlength={500} aria-invalid={missing ? 'true' : 'false'} aria-describedby={missing ? `cancel-${id}-missing` : undefined} />
          </label>
          {missing && <p id={`cancel-${id}-missing`} class="check bad">{t('cancel.reasonRequired')}</p>}
        </Confirm>
      )}
    </div>
  );
}
