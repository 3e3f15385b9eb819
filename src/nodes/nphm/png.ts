import { encode } from 'fast-png';
import type { ImageValue } from './values.ts';

/** RGBA8 image → PNG bytes, with an optional tEXt chunk (the studio embeds the graph there). */
export function encodePng(img: ImageValue, text?: Record<string, string>): Uint8Array {
  return encode({ width: img.width, height: img.height, data: new Uint8Array(img.rgba.buffer, img.rgba.byteOffset, img.rgba.byteLength), channels: 4, depth: 8, ...(text ? { text } : {}) });
}
