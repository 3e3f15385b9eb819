/**
 * Size caps of asset reads, the same in the CLI's file reader and the worker's fetch reader.
 * Larger than any MonoNPHM file (a paper checkpoint with its optimizer state is about 1 GB), far
 * below what would exhaust the memory of the machine or the tab.
 */
export const MAX_ASSET_BYTES = 3 * 1024 * 1024 * 1024;
/** Manifests, configs, codes and sample descriptions. */
export const MAX_ASSET_TEXT_BYTES = 64 * 1024 * 1024;
