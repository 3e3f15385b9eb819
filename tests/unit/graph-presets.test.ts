import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadGraphText } from '../../src/graph/load.ts';
import { applyPreset, presetChanges, presetNames } from '../../src/graph/presets.ts';
import { builtinRegistry } from '../../src/nodes/registry.ts';

const registry = builtinRegistry();
const shipped = (name: string) => loadGraphText(readFileSync(new URL(`../../graphs/${name}.graph.json`, import.meta.url), 'utf8'), registry);

/** A small graph of built-in tensor nodes with the given presets. */
function withPresets(presets: unknown) {
  return loadGraphText(
    JSON.stringify({
      format: 'nphm-studio/graph',
      schemaVersion: 2,
      id: 'p',
      meta: { title: 'p', presets },
      nodes: [{ id: 'a', type: 'tensor.random', typeVersion: 1, params: { shape: [2, 2], seed: 1 } }],
      edges: [],
      ui: { nodes: {}, comments: [] },
    }),
    registry,
  );
}

describe('graph presets', () => {
  it('every shipped example has valid quick and full presets that change what they name', () => {
    for (const name of ['tracking', 'interpolation', 'expression-transfer']) {
      const { graph, problems } = shipped(name);
      expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(presetNames(graph!)).toEqual(name === 'interpolation' ? ['full', 'interactive', 'quick'] : ['full', 'quick']);
      const quick = presetChanges(graph!, 'quick', registry);
      expect(quick.problems).toEqual([]);
      expect(quick.changes.length).toBeGreaterThan(2);
      expect(applyPreset(graph!, 'quick', registry)).toEqual([]);
      for (const c of quick.changes) expect(graph!.nodes.find((n) => n.id === c.node)!.params[c.param]).toEqual(c.value);
    }
    // The heavy examples ask the studio not to auto-run them; the interactive one does not.
    expect(shipped('tracking').graph!.meta.autoRun).toBe(false);
    expect(shipped('expression-transfer').graph!.meta.autoRun).toBe(false);
    expect(shipped('interpolation').graph!.meta.autoRun).toBeUndefined();
    // The opening graph is shipped on its interactive preset (the preset menu shows it), its mesh
    // computed on request.
    const opening = shipped('interpolation').graph!;
    const interactive = presetChanges(opening, 'interactive', registry);
    expect(interactive.problems).toEqual([]);
    for (const c of interactive.changes) expect(opening.nodes.find((n) => n.id === c.node)!.params[c.param]).toEqual(c.value);
    expect(opening.ui.nodes.mesh!.onRequest).toBe(true);
    // Every preset of every example states its run time.
    for (const name of ['tracking', 'interpolation', 'expression-transfer']) {
      const g = shipped(name).graph!;
      expect(Object.keys(g.meta.runSeconds ?? {}).sort()).toEqual(presetNames(g));
    }
  });

  it('names each bad entry and applies nothing when one is bad', () => {
    const { graph } = withPresets({ small: { a: { seed: 7 }, ghost: { x: 1 } }, odd: { a: { seed: -1.5, colour: 3 } } });
    const before = structuredClone(graph!.nodes[0]!.params);
    const small = applyPreset(graph!, 'small', registry);
    expect(small.map((p) => [p.path, p.message])).toEqual([['$.meta.presets.small.ghost', "preset 'small' names missing node 'ghost'"]]);
    expect(graph!.nodes[0]!.params).toEqual(before);
    const odd = presetChanges(graph!, 'odd', registry);
    expect(odd.problems.map((p) => p.path)).toEqual(['$.meta.presets.odd.a.seed', '$.meta.presets.odd.a.colour']);
    expect(odd.problems[1]!.message).toMatch(/has no param 'colour'/);
    expect(presetChanges(graph!, 'toString', registry).problems[0]!.message).toBe("no preset 'toString'; the graph has small, odd");
  });

  it('drops malformed presets at load with a warning, keeping the graph', () => {
    for (const bad of [[1, 2], { quick: 3 }, { quick: { a: [1] } }]) {
      const { graph, problems } = withPresets(bad);
      expect(graph!.meta.presets).toBeUndefined();
      expect(problems).toEqual([expect.objectContaining({ severity: 'warning', path: '$.meta.presets' })]);
      expect(graph!.nodes).toHaveLength(1);
    }
  });
});
