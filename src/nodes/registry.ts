import type { RunnableCatalog } from '../graph/runtime-types.ts';
import type { NodeDefinition } from './contract.ts';
import { CORE_NODES } from './core/index.ts';
import { NPHM_NODES } from './nphm/index.ts';

/** The node types of the studio, by type name. Registration fails loudly on duplicates. */
export class NodeRegistry implements RunnableCatalog {
  private readonly types = new Map<string, NodeDefinition>();

  constructor(defs: Iterable<NodeDefinition> = []) {
    for (const d of defs) this.register(d);
  }

  register(def: NodeDefinition): void {
    if (this.types.has(def.type)) throw new Error(`node type '${def.type}' is registered twice`);
    for (const [name, spec] of Object.entries(def.params))
      if (spec.type === 'enum' && !spec.options.includes(spec.default)) throw new Error(`${def.type}: default of '${name}' is not one of its options`);
    this.types.set(def.type, def);
  }

  get(type: string): NodeDefinition | undefined {
    return this.types.get(type);
  }

  list(): NodeDefinition[] {
    return [...this.types.values()];
  }
}

/** Every built-in node type. */
export function builtinRegistry(): NodeRegistry {
  return new NodeRegistry([...CORE_NODES, ...NPHM_NODES]);
}
