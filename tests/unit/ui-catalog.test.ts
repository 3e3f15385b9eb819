import { describe, expect, it } from 'vitest';
import { Catalog, portsOf, socketColor } from '../../src/ui/catalog.ts';
import { builtinRegistry } from '../../src/nodes/registry.ts';
import { SOCKET_TYPES } from '../../src/graph/sockets.ts';

// The palette's filters, on the real registry described the way the worker describes it.
const catalog = new Catalog(builtinRegistry().list().map(({ type, typeVersion, title, category, description, inputs, outputs, params }) => ({ type, typeVersion, title, category, description, inputs, outputs, params })));

describe('palette filters and ports', () => {
  it('offers for a dropped tensor output only nodes with an input that accepts a tensor', () => {
    const types = catalog.acceptingInput('tensor').map((d) => d.type);
    expect(types).toContain('tensor.unary');
    expect(types).toContain('io.saveJson'); // its input is 'any'
    expect(types).not.toContain('core.number');
    expect(types).not.toContain('tensor.random');
  });

  it('offers for a dropped tensor input only nodes producing a tensor', () => {
    const types = catalog.producingFor('tensor').map((d) => d.type);
    expect(types).toContain('tensor.random');
    expect(types).not.toContain('core.number');
    expect(types).not.toContain('io.saveJson');
  });

  it('gives unknown node types the ports their edges use', () => {
    const node = { id: 'x', type: 'future.node', typeVersion: 1, params: {} };
    const ports = portsOf(node, undefined, [
      { from: { node: 'x', port: 'out' }, to: { node: 'y', port: 'in' } },
      { from: { node: 'z', port: 'v' }, to: { node: 'x', port: 'a' } },
    ]);
    expect(ports.inputs.map((p) => p.key)).toEqual(['a']);
    expect(ports.outputs.map((p) => p.key)).toEqual(['out']);
  });

  it('has a distinct colour for every socket type', () => {
    const colours = Object.keys(SOCKET_TYPES).map(socketColor);
    expect(new Set(colours).size).toBe(colours.length);
  });
});
