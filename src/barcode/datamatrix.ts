/**
 * The DataMatrix (ECC 200) of a code's payload, as SVG or PNG.
 *
 * bwip-js encodes the symbol; we draw it ourselves from its module grid. That keeps to bwip-js's
 * generic build (no Node APIs, so Workers and browsers run the same code), gives SVG and PNG the
 * very same geometry, and avoids bwip-js's Node-only PNG writer (node:zlib): fast-png, pure
 * JavaScript, writes the PNG everywhere.
 *
 * Geometry: a quiet zone of QUIET_MODULES on every side, on an opaque white background, since a
 * transparent image shown on a dark phone screen loses the quiet zone scanners need.
 */
import bwipjs from 'bwip-js/generic';
import { encode as encodePng } from 'fast-png';

/** Twice the ISO/IEC 16022 minimum of one module. */
const QUIET_MODULES = 2;
/** Pixels per module in the PNG, and CSS pixels in the SVG's width/height: ~220 px for a code. */
const MODULE_PX = 8;

export type DataMatrixImage = { svg: string } | { png: Uint8Array<ArrayBuffer> };

/** A square matrix of modules, row by row from the top, true for dark. */
type Modules = { size: number; dark: (x: number, y: number) => boolean };

/** Renders `payload` (ASCII; for Ordo `ORDO1:` and 40 symbols, a 24×24 symbol). */
export async function renderDataMatrix(payload: string, format: 'svg' | 'png'): Promise<DataMatrixImage> {
  return format === 'svg' ? { svg: dataMatrixSvg(payload) } : { png: await dataMatrixPng(payload) };
}

/** An SVG document: white background, one path of dark runs, crisp edges, sized in CSS px. */
export function dataMatrixSvg(payload: string): string {
  const m = modules(payload);
  const side = m.size + 2 * QUIET_MODULES;
  let d = '';
  for (let y = 0; y < m.size; y++) {
    for (let x = 0; x < m.size; ) {
      if (!m.dark(x, y)) { x++; continue; }
      let run = 1;
      while (x + run < m.size && m.dark(x + run, y)) run++;
      // One rectangle per horizontal run of dark modules, in module units.
      d += `M${x + QUIET_MODULES} ${y + QUIET_MODULES}h${run}v1h-${run}z`;
      x += run;
    }
  }
  const px = side * MODULE_PX;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}" width="${px}" height="${px}" shape-rendering="crispEdges">` +
    `<rect width="${side}" height="${side}" fill="#fff"/><path fill="#000" d="${d}"/></svg>`;
}

/** A 1-bit greyscale PNG, MODULE_PX pixels per module, quiet zone included (encoded by fast-png, pure JS). */
export async function dataMatrixPng(payload: string): Promise<Uint8Array<ArrayBuffer>> {
  const m = modules(payload);
  const width = (m.size + 2 * QUIET_MODULES) * MODULE_PX;
  const rowBytes = Math.ceil(width / 8);
  // Pixels packed 8 per byte, most significant bit first; 1 is white.
  const data = new Uint8Array(rowBytes * width);
  for (let py = 0; py < width; py++) {
    for (let px = 0; px < width; px++) {
      const x = Math.floor(px / MODULE_PX) - QUIET_MODULES;
      const y = Math.floor(py / MODULE_PX) - QUIET_MODULES;
      const inside = x >= 0 && y >= 0 && x < m.size && y < m.size;
      if (!(inside && m.dark(x, y))) data[py * rowBytes + (px >> 3)]! |= 0x80 >> (px & 7);
    }
  }
  return encodePng({ width, height: width, data, depth: 1, channels: 1 }) as Uint8Array<ArrayBuffer>;
}

/** The module grid from bwip-js. Throws (bwip-js's error) for text DataMatrix cannot carry. */
function modules(payload: string): Modules {
  // `raw` (default export only: the named `raw` is bwip-js's "raw" symbology) returns the
  // symbol as a flat array, row-major from the top, 1 for a dark module.
  const [symbol] = bwipjs.raw({ bcid: 'datamatrix', text: payload });
  if (!symbol || !('pixs' in symbol) || symbol.pixx !== symbol.pixy) throw new Error('bwip-js gave no square matrix');
  const { pixs, pixx } = symbol;
  return { size: pixx, dark: (x, y) => pixs[y * pixx + x] === 1 };
}
