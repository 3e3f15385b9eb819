/** Weights I/O: official torch checkpoints (read-only, restricted unpickler) and the studio format. */
export { checkStateDict, getTensor, numel, shapeString, type StateDict, type StateTensor } from './state-dict.ts';
export { readTorchCheckpoint, TorchCheckpointError, type CheckpointEntry, type TorchCheckpoint } from './torch-checkpoint.ts';
export {
  readStudioWeights,
  validateManifest,
  writeStudioWeights,
  StudioFormatError,
  STUDIO_MANIFEST_FILE,
  type StudioManifest,
  type StudioWeights,
} from './studio-format.ts';
export { fetchStudioWeights } from './studio-fetch.ts';
export { convertCheckpoint } from './convert-checkpoint.ts';
export { monoNphmStateDictShapes, monoNphmSizes } from './mononphm-shapes.ts';
