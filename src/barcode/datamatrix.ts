/**
 * The DataMatrix (ECC 200) of a code's payload, as SVG or PNG.
 *
 * bwip-js encodes the symbol; we draw it ourselves from its module grid. That keeps to bwip-js's
 * generic build (no Node APIs, so Workers and browsers run the same code), gives SVG and PNG the
 * very same geometry, and avoids bwip-js's Node-only PNG writer (node:zlib). Compression uses
 * CompressionStream, which Node ≥18, Workers and browsers all provide.
 *
 * Geometry: a quiet zone of QUIET_MODULES on every side, on an opaque white background, since a
 * transparent image shown on a dark phone screen loses the quiet zone scanners need.
 */
import bwipjs from 'bwip-js/generic';

/** Twice the ISO/IEC 16022 minimum of one module. */
const QUIET_MODULES = 2;
/** Pixels per module in the PNG, and CSS pixels in the SVG's width/height: ~220 px for a code. */
const MODULE_PX = 8;
/** Intended printed module size, written in the PNG's pHYs chunk for print software. */
const MODULE_MM = 0.6;

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

/** A 1-bit greyscale PNG, MODULE_PX pixels per module, quiet zone included. */
export async function dataMatrixPng(payload: string): Promise<Uint8Array<ArrayBuffer>> {
  const m = modules(payload);
  const width = (m.size + 2 * QUIET_MODULES) * MODULE_PX;
  const rowBytes = Math.ceil(width / 8);
  // Each row: filter type 0 (none), then pixels packed 8 per byte, MSB first; 1 is white.
  const raw = new Uint8Array((rowBytes + 1) * width);
  for (let py = 0; py < width; py++) {
    const row = py * (rowBytes + 1);
    for (let px = 0; px < width; px++) {
      const x = Math.floor(px / MODULE_PX) - QUIET_MODULES;
      const y = Math.floor(py / MODULE_PX) - QUIET_MODULES;
      const inside = x >= 0 && y >= 0 && x < m.size && y < m.size;
      if (!(inside && m.dark(x, y))) raw[row + 1 + (px >> 3)]! |= 0x80 >> (px & 7);
    }
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, width);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, then compression, filter and interlace methods 0 (deflate, per-row filters, none)
  const phys = new Uint8Array(9);
  const perMetre = Math.round((MODULE_PX / MODULE_MM) * 1000);
  new DataView(phys.buffer).setUint32(0, perMetre);
  new DataView(phys.buffer).setUint32(4, perMetre);
  phys[8] = 1; // unit: metre
  return concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('pHYs', phys), chunk('IDAT', await zlib(raw)), chunk('IEND', new Uint8Array(0))]);
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

const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  // The CRC covers the type and the data, not the length.
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** zlib stream (RFC 1950), which is what CompressionStream calls "deflate" and PNG requires. */
async function zlib(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

let crcTable: Uint32Array | undefined;

function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of bytes) crc = crcTable[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
