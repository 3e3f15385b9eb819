/**
 * The 65 mean canonical MonoNPHM anchors as a flat Float64Array (model space, FLAME×4, y up, face
 * towards +z). The procedural head is fitted so that these points lie on its mean surface; each
 * anchor of a procedural head is the surface projection of its (identity-moved) mean position,
 * carried along by the expression.
 */
import { MEAN_ANCHORS_65 } from '../nphm/mean-anchors.ts';

export const MEAN_ANCHORS = Float64Array.from(MEAN_ANCHORS_65.flat());

export const N_ANCHORS = MEAN_ANCHORS_65.length;
