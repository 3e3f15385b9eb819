/**
 * The model's floor on a procedural sequence: for each frame, the codes fitted in 3-D to the true
 * head's SDF (networks frozen, as `nphm fit-eval` does), meshed and placed at the frame's true pose,
 * then scored like the tracked meshes. No tracker can beat what the model can represent, so this
 * is the figure a tracked identity is judged against: a tracked face at the mean head's error
 * with a floor just below it is a model limit, not a tracking fault.
 */
import type { AssetReader } from '../graph/runtime-types.ts';
import type { NphmModel } from '../nphm/model.ts';
import type { LatentStats } from '../nphm/latent-stats.ts';
import type { VideoValue } from '../nodes/nphm/values.ts';
import { parseJsonText } from '../graph/json-text.ts';
import { quoteForMessage } from '../graph/safe-text.ts';
import { ProceduralHead } from '../synth/head.ts';
import type { ParamValues } from '../synth/params.ts';
import { DEFAULT_FIT, fitCodes, fitSamples } from '../train/fit.ts';
import { meshCodes } from '../track/state-render.ts';
import { groundTruthPoints, meanRegionAccuracy, regionAccuracy, type FrameTruth, type RegionAccuracy } from '../track/accuracy.ts';
import { modelToWorldNumbers } from '../nodes/nphm/pose-math.ts';

const isParams = (v: unknown): v is ParamValues =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'number' && Number.isFinite(x));

/**
 * The procedural heads of a video's frames from its manifest (`nphm synth video` records identity,
 * appearance and each frame's expression), or null for a sequence that records none.
 */
export async function sequenceHeads(video: VideoValue, assets: AssetReader): Promise<ProceduralHead[] | null> {
  const m = parseJsonText(await assets.readText(video.name), quoteForMessage(video.name)) as { identity?: unknown; appearance?: unknown; frames?: { expression?: unknown }[] };
  if (!isParams(m.identity) || !isParams(m.appearance)) return null;
  return video.frameIndex.map((i) => {
    const expression = m.frames?.[i]?.expression;
    if (!isParams(expression)) throw new Error(`${quoteForMessage(video.name)}: frame ${i} has no expression parameters`);
    return new ProceduralHead({ identity: m.identity as ParamValues, appearance: m.appearance as ParamValues, expression });
  });
}

/** Per-frame accuracy of the model's 3-D fit at the true pose, and the mean over the frames. */
export async function modelFloor(model: NphmModel, heads: readonly ProceduralHead[], truths: readonly FrameTruth[], stats: LatentStats | undefined, iterations = DEFAULT_FIT.iterations): Promise<{ frames: RegionAccuracy[]; mean: RegionAccuracy }> {
  if (heads.length !== truths.length) throw new Error(`model floor: ${heads.length} heads for ${truths.length} frames`);
  const frames: RegionAccuracy[] = [];
  for (let i = 0; i < heads.length; i++) {
    const samples = fitSamples(heads[i]!, 3000, 3000, 300, 1009 * i + 1);
    const codes = await fitCodes(model, samples, stats ?? null, { ...DEFAULT_FIT, iterations, seed: i + 1 });
    const mesh = await meshCodes(model, codes, { resolution: 96, colors: false, normals: 'none' });
    const t = truths[i]!;
    frames.push(regionAccuracy({ ...mesh, positions: modelToWorldNumbers(mesh.positions, t.pose) }, groundTruthPoints(t)));
  }
  return { frames, mean: meanRegionAccuracy(frames) };
}
