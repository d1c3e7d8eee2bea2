import {
  BinaryBitmap, DataMatrixReader, HybridBinarizer, RGBLuminanceSource,
} from '@zxing/library';
import fc from 'fast-check';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { dataMatrixPng, dataMatrixSvg, renderDataMatrix } from '../../src/barcode/datamatrix.js';
import { CODE_BYTES, formatCode } from '../../src/domain/code.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const payloadOf = (code: Uint8Array) => formatCode(code).payload;
const samplePayload = payloadOf(Uint8Array.from({ length: CODE_BYTES }, (_, i) => i * 37));

/** Decodes a greyscale image (one luminance byte per pixel) with ZXing's DataMatrix reader. */
function readDataMatrix(luminance: Uint8ClampedArray, width: number, height: number): string {
  const bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, width, height)));
  return new DataMatrixReader().decode(bitmap).getText();
}

function readPng(png: Uint8Array): string {
  const image = PNG.sync.read(Buffer.from(png));
  // pngjs gives RGBA whatever the bit depth; the image is grey, so red is the luminance.
  const luminance = new Uint8ClampedArray(image.width * image.height);
  for (let i = 0; i < luminance.length; i++) luminance[i] = image.data[i * 4]!;
  return readDataMatrix(luminance, image.width, image.height);
}

/** Rasterises our SVG (a white square and one path of `M x y h n v1 h-n z` runs) at 8 px a module. */
function readSvg(svg: string): string {
  const side = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)![1]);
  const scale = 8;
  const width = side * scale;
  const luminance = new Uint8ClampedArray(width * width).fill(255);
  for (const [, x, y, run] of svg.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)) {
    for (let py = Number(y) * scale; py < (Number(y) + 1) * scale; py++) {
      luminance.fill(0, py * width + Number(x) * scale, py * width + (Number(x) + Number(run)) * scale);
    }
  }
  return readDataMatrix(luminance, width, width);
}

describe('DataMatrix', () => {
  it('renders an SVG document that decodes to the payload', async () => {
    const image = await renderDataMatrix(samplePayload, 'svg');
    if (!('svg' in image)) throw new Error('expected svg');
    expect(image.svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*viewBox="0 0 28 28"/);
    expect(image.svg).toMatch(/<\/svg>$/);
    expect(image.svg).toContain('fill="#fff"'); // opaque: a dark page must not eat the quiet zone
    expect(readSvg(image.svg)).toBe(samplePayload);
  });

  it('renders a PNG that decodes to the payload', async () => {
    const image = await renderDataMatrix(samplePayload, 'png');
    if (!('png' in image)) throw new Error('expected png');
    expect([...image.png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    const decoded = PNG.sync.read(Buffer.from(image.png));
    expect([decoded.width, decoded.height]).toEqual([224, 224]); // (24 modules + 2×2 quiet) × 8 px
    expect(readPng(image.png)).toBe(samplePayload);
  });

  it('decodes back for any code, in both formats', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: CODE_BYTES, maxLength: CODE_BYTES }), async (code) => {
      const payload = payloadOf(code);
      expect(readSvg(dataMatrixSvg(payload))).toBe(payload);
      expect(readPng(await dataMatrixPng(payload))).toBe(payload);
    }), { numRuns: 25 });
  });

  it('takes this long (console only)', async () => {
    for (let i = 0; i < 20; i++) dataMatrixSvg(samplePayload); // warm up the JIT
    const runs = 200;
    let start = performance.now();
    for (let i = 0; i < runs; i++) dataMatrixSvg(samplePayload);
    const svgMs = (performance.now() - start) / runs;
    start = performance.now();
    for (let i = 0; i < runs; i++) await dataMatrixPng(samplePayload);
    const pngMs = (performance.now() - start) / runs;
    const sizes = { svg: dataMatrixSvg(samplePayload).length, png: (await dataMatrixPng(samplePayload)).length };
    console.log(`DataMatrix: SVG ${svgMs.toFixed(2)} ms (${sizes.svg} chars), PNG ${pngMs.toFixed(2)} ms (${sizes.png} bytes)`);
  });
});
