/**
 * The files of a headless run, written the moment a node produces them: a run stopped by Ctrl-C
 * (or killed) keeps every output finished before, and the run log can say which.
 */
import { join } from 'node:path';
import { artifactNameProblem } from '../graph/artifact-name.ts';
import type { Artifact } from '../graph/runtime-types.ts';
import { quoteForMessage } from '../graph/safe-text.ts';
import { writeAtomically } from './atomic-write.ts';

export class RunOutputs {
  readonly written: string[] = [];
  readonly refused: string[] = [];
  private readonly owners = new Map<string, string>();

  constructor(private readonly dir: string) {}

  /** Writes one artifact of `nodeId` (synchronously: a second Ctrl-C exits at once and must not cut a file). */
  write(nodeId: string, a: Artifact): void {
    // A name comes from the graph's params: one plain file name in the folder, never the log's.
    const problem = artifactNameProblem(a.name);
    if (problem) {
      this.refused.push(`node '${nodeId}': output ${quoteForMessage(a.name)} not written: ${problem}`);
      return;
    }
    // A node writing a name again (a re-run) replaces its file; another node's same name is kept
    // beside it, prefixed with the later node's id.
    const name = this.owners.has(a.name) && this.owners.get(a.name) !== nodeId ? `${nodeId}-${a.name}` : a.name;
    this.owners.set(name, nodeId);
    // Written from inside the engine's event delivery, which swallows a listener's exception: a
    // failed write (a full disk) must be reported here or it is lost without a word.
    try {
      writeAtomically(join(this.dir, name), a.data);
    } catch (e) {
      this.refused.push(`node '${nodeId}': output ${quoteForMessage(name)} not written: ${(e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e))}`);
      return;
    }
    if (!this.written.includes(name)) this.written.push(name);
  }
}
