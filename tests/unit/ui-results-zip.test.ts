/** "Download all": the graph's results in one zip, read back with fflate's own unzip. */
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { resultsZip } from '../../src/ui/state/results-zip.ts';

describe('resultsZip', () => {
  it('holds the graph and every result of the graph shown, a shared name prefixed by its node', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const { zip, entries } = resultsZip(
      {
        render: [{ name: 'frame-0000.png', mime: 'image/png', data: png }],
        a: [{ name: 'codes.json', mime: 'application/json', data: '{"z":[1,2]}' }],
        b: [{ name: 'codes.json', mime: 'application/json', data: '{"z":[3]}' }],
        gone: [{ name: 'old.png', mime: 'image/png', data: png }],
      },
      ['a', 'b', 'render'],
      { fileName: 'demo.graph.json', text: '{"format":"nphm-studio/graph"}' },
    );
    const files = unzipSync(zip);
    expect(Object.keys(files).sort()).toEqual(['a-codes.json', 'b-codes.json', 'demo.graph.json', 'frame-0000.png']);
    expect(strFromU8(files['a-codes.json']!)).toBe('{"z":[1,2]}');
    expect(strFromU8(files['b-codes.json']!)).toBe('{"z":[3]}');
    expect([...files['frame-0000.png']!]).toEqual([...png]);
    expect(strFromU8(files['demo.graph.json']!)).toMatch(/nphm-studio\/graph/);
    expect(entries.map((e) => e.bytes)).toEqual([30, 11, 9, 7]);
  });
});
