/**
 * Similarity alignment (src/render/similarity-icp.ts): Umeyama recovers a known similarity exactly,
 * and ICP brings a mesh that was scaled, turned and moved back onto points of its own surface.
 */
import * as THREE from 'three';
import { describe, expect, it } from 'vitest';
import { alignMeshToPoints, applySimilarity, umeyama } from '../../src/render/similarity-icp.ts';
import { so3ExpNumbers } from '../../src/render/pose.ts';

const known = { scale: 1.07, rotation: so3ExpNumbers([0.1, -0.2, 0.05]).flat(), translation: [0.02, -0.01, 0.03] as [number, number, number] };

describe('similarity alignment', () => {
  it('Umeyama recovers scale, rotation and translation from exact pairs', () => {
    const src = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i * 1.7) * 0.3);
    const t = umeyama(src, applySimilarity(known, src));
    expect(t.scale).toBeCloseTo(known.scale, 5);
    t.rotation.forEach((r, i) => expect(r).toBeCloseTo(known.rotation[i]!, 5));
    t.translation.forEach((x, i) => expect(x).toBeCloseTo(known.translation[i]!, 5));
  });

  it('ICP moves a displaced mesh back onto samples of its own surface', () => {
    const g = new THREE.TorusKnotGeometry(0.2, 0.06, 160, 24);
    const positions = Float32Array.from(g.getAttribute('position').array as ArrayLike<number>);
    const indices = Uint32Array.from(g.getIndex()!.array as ArrayLike<number>);
    const points = positions.filter((_, i) => Math.floor(i / 3) % 7 === 0);
    // A small displacement (ICP converges locally, as after tracking).
    const near = { scale: 1.02, rotation: so3ExpNumbers([0.02, -0.03, 0.01]).flat(), translation: [0.005, -0.004, 0.006] as [number, number, number] };
    const { mesh } = alignMeshToPoints({ positions: applySimilarity(near, positions), indices }, points, 20);
    let err = 0;
    for (let i = 0; i < positions.length; i++) err = Math.max(err, Math.abs(mesh.positions[i]! - positions[i]!));
    expect(err).toBeLessThan(2e-3);
  });
});
