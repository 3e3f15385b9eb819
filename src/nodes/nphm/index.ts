import type { NodeDefinition } from '../contract.ts';
import { anchorInvertNode } from './anchor-invert.ts';
import { cameraNode } from './camera.ts';
import { codeSequenceNode } from './code-sequence.ts';
import { deformFieldNode } from './deform-field.ts';
import { expressionTransferNode } from './expression-transfer.ts';
import { headModelNode } from './head-model.ts';
import { landmarksNode } from './landmarks.ts';
import { latentCodeNode } from './latent-code.ts';
import { latentInterpolateNode } from './latent-interpolate.ts';
import { lossNode } from './loss.ts';
import { meshExportNode } from './mesh-export.ts';
import { optimizerNode } from './optimizer.ts';
import { poseNode } from './pose.ts';
import { sdfNode } from './sdf.ts';
import { segmentationNode } from './segmentation.ts';
import { textureFieldNode } from './texture-field.ts';
import { videoSourceNode } from './video-source.ts';
import { viewerNode } from './viewer.ts';
import { volumeRenderNode } from './volume-render.ts';

export const NPHM_NODES: readonly NodeDefinition[] = [
  headModelNode,
  latentCodeNode,
  latentInterpolateNode,
  expressionTransferNode,
  codeSequenceNode,
  videoSourceNode,
  landmarksNode,
  segmentationNode,
  cameraNode,
  poseNode,
  deformFieldNode,
  sdfNode,
  textureFieldNode,
  anchorInvertNode,
  volumeRenderNode,
  lossNode,
  optimizerNode,
  meshExportNode,
  viewerNode,
];
