/** Procedural heads: analytic SDF + colour + labels, expressions, anchors, sampling, synthetic videos. */
export * from './params.ts';
export { Rng } from '../graph/rng.ts';
export * from './shape.ts';
export * from './neutral.ts';
export * from './deform.ts';
export * from './head.ts';
export * from './landmarks.ts';
export * from './anchors-mean.ts';
export * from './sampling.ts';
export * from './raytrace.ts';
export * from './video.ts';
