import { describe, expect, it } from 'vitest';
import { GraphPreviews } from '../../src/ui/state/graph-previews.ts';

describe('previews of graphs not shown', () => {
  it('gives a reopened graph the previews it showed, with a burst that was still waiting to be drawn', () => {
    const kept = new GraphPreviews<string>();
    kept.leave('g1', { a: 'a1' }, new Map([['b', 'b1']]));
    expect(kept.open('g1')).toEqual({ a: 'a1', b: 'b1' });
    expect(kept.open('g2')).toEqual({});
  });

  it('keeps a preview that arrives after its graph was left for that graph, not the one shown', () => {
    const kept = new GraphPreviews<string>();
    kept.leave('g1', {}, []);
    kept.late('g1', 'a', 'a1');
    kept.late('g3', 'x', 'x1');
    expect(kept.open('g1')).toEqual({ a: 'a1' });
    expect(kept.open('g3')).toEqual({ x: 'x1' });
  });

  it('forgets the least recently used graph first', () => {
    const kept = new GraphPreviews<string>(2);
    kept.leave('g1', { a: '1' }, []);
    kept.leave('g2', { a: '2' }, []);
    kept.late('g1', 'b', '1b');
    kept.leave('g3', { a: '3' }, []);
    expect(kept.open('g2')).toEqual({});
    expect(kept.open('g1')).toEqual({ a: '1', b: '1b' });
    expect(kept.open('g3')).toEqual({ a: '3' });
  });
});
