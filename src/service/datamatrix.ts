/** The optional `datamatrix` field of answers: made only when asked, since images cost more than the rest. */
import { base64url } from 'jose';
import { renderDataMatrix } from '../barcode/datamatrix.js';

export async function dataMatrixField(payload: string, format: 'svg' | 'png'): Promise<{ svg: string } | { png: string }> {
  const image = await renderDataMatrix(payload, format);
  return 'svg' in image ? { svg: image.svg } : { png: toBase64(image.png) };
}

function toBase64(bytes: Uint8Array): string {
  // Standard base64 (not base64url): what data: URLs and most clients expect for PNG.
  return base64url.encode(bytes).replaceAll('-', '+').replaceAll('_', '/') + '='.repeat((3 - (bytes.length % 3)) % 3);
}
