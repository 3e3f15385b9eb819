/**
 * The process's ray workers: installed by a headless run that has threads to spare (src/cli
 * threads.ts), used by every tracking run that names none. A setting of the process, like tfjs'
 * backend, so that graph nodes need not carry it.
 */
import type { RayChunkWorkers } from './ray-chunk.ts';

let installed: RayChunkWorkers | undefined;

export function installedRayWorkers(): RayChunkWorkers | undefined {
  return installed;
}

export function installRayWorkers(workers: RayChunkWorkers | undefined): void {
  installed = workers;
}
