/**
 * MonoNPHM's 35 anchor ↔ iBUG-68 landmark pairs and their loss scales (reference §4.1; tracking.py
 * ANCHOR_iBUG68_pairs_65 and anchor_loss_scale; data from fixtures/landmark_pairs.json). Scale 100
 * for the chin, the mouth anchors and the eyelids, 1 for jaw, nose, brows and eye corners.
 */
import type { LandmarkPairs } from './state.ts';

const DATA = {"pairs": [[0, 0], [1, 16], [38, 2], [39, 14], [2, 4], [3, 12], [4, 6], [5, 10], [60, 8], [10, 31], [11, 35], [62, 30], [61, 27], [6, 17], [7, 26], [12, 36], [13, 45], [14, 39], [15, 42], [16, 48], [17, 54], [18, 50], [19, 52], [20, 58], [21, 56], [44, 49], [45, 53], [46, 59], [47, 55], [48, 38], [49, 43], [50, 41], [51, 46], [52, 21], [53, 22]], "scales": [1, 1, 1, 1, 1, 1, 1, 1, 100, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 1, 1]} as { pairs: [number, number][]; scales: number[] };

export const LANDMARK_PAIRS: LandmarkPairs = DATA;
