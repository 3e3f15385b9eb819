import { encode } from 'fast-png';
import type { ImageValue } from './values.ts';

/** PNG tEXt chunks are Latin-1: other characters become \uXXXX escapes, which JSON reads back as they were. */
export function latin1Safe(text: string): string {
  return text.replace(/[^\x20-\x7e\n]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** RGBA8 image → PNG bytes, with optional tEXt chunks (the studio embeds the graph there). */
export function encodePng(img: ImageValue, text?: Record<string, string>): Uint8Array {
  const safe = text && Object.fromEntries(Object.entries(text).map(([k, v]) => [k, latin1Safe(v)]));
  return encode({ width: img.width, height: img.height, data: new Uint8Array(img.rgba.buffer, img.rgba.byteOffset, img.rgba.byteLength), channels: 4, depth: 8, ...(safe ? { text: safe } : {}) });
}
