import { it, expect } from 'vitest';
import { decode } from 'fast-png';
import { encodePng } from '../../src/nodes/nphm/png.ts';
it("embeds provenance JSON with non-Latin-1 text in a PNG and reads it back", () => {
  const s = JSON.stringify({ a: 'x → y ≈ 2·3 é' });
  const png = encodePng({ width: 1, height: 1, rgba: new Uint8ClampedArray(4) }, { k: s });
  const back = decode(png).text.k!;
  expect(JSON.parse(back)).toEqual(JSON.parse(s));
});
