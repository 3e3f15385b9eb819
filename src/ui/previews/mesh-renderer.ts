/**
 * One three.js renderer for every mesh preview: browsers cap live WebGL contexts (often 8–16), so
 * cards never own one. Each card asks for a frame at its own camera angle; the shared renderer draws
 * into its offscreen canvas and the pixels are copied into the card's 2-D canvas.
 */
import type * as THREE from 'three';
import type { Preview } from '../../nodes/preview.ts';

type MeshPreview = Extract<Preview, { kind: 'mesh' }>;
type PointsPreview = Extract<Preview, { kind: 'points' }>;
type Drawn = MeshPreview | PointsPreview;

interface Shared {
  three: typeof THREE;
  renderer: THREE.WebGLRenderer;
  scene: THREE.Scene;
  camera: THREE.PerspectiveCamera;
  meshes: WeakMap<Drawn, { mesh: THREE.Object3D; radius: number; center: THREE.Vector3 }>;
}

let shared: Promise<Shared> | undefined;

async function init(): Promise<Shared> {
  const three = await import('three');
  const canvas = document.createElement('canvas');
  const renderer = new three.WebGLRenderer({ canvas, antialias: true, alpha: true, preserveDrawingBuffer: true });
  renderer.setPixelRatio(1);
  const scene = new three.Scene();
  scene.add(new three.HemisphereLight(0xffffff, 0x303040, 1.6));
  const key = new three.DirectionalLight(0xffffff, 1.8);
  key.position.set(1, 1.2, 2);
  scene.add(key);
  const camera = new three.PerspectiveCamera(30, 1, 0.01, 100);
  return { three, renderer, scene, camera, meshes: new WeakMap() };
}

export interface Orbit {
  azimuth: number;
  elevation: number;
  zoom: number;
}

/** A points preview as three.js points (one object per set) and line segments. */
function pointsObject(three: typeof THREE, preview: PointsPreview): { mesh: THREE.Object3D; radius: number; center: THREE.Vector3 } {
  const group = new three.Group();
  const box = new three.Box3();
  for (const set of preview.sets) {
    const g = new three.BufferGeometry();
    g.setAttribute('position', new three.BufferAttribute(set.positions, 3));
    g.computeBoundingBox();
    if (g.boundingBox) box.union(g.boundingBox);
    group.add(new three.Points(g, new three.PointsMaterial({ color: new three.Color(...set.color), size: 7, sizeAttenuation: false })));
  }
  if (preview.links?.length) {
    const g = new three.BufferGeometry();
    g.setAttribute('position', new three.BufferAttribute(preview.links, 3));
    group.add(new three.LineSegments(g, new three.LineBasicMaterial({ color: 0x8b94a3, transparent: true, opacity: 0.7 })));
  }
  const sphere = box.isEmpty() ? new three.Sphere(new three.Vector3(), 1) : box.getBoundingSphere(new three.Sphere());
  return { mesh: group, radius: sphere.radius || 1, center: sphere.center.clone() };
}

/** Renders `preview` at `orbit` and copies the frame into `target` (sized in CSS pixels w×h). */
export async function renderMeshInto(target: HTMLCanvasElement, preview: Drawn, orbit: Orbit, w: number, h: number): Promise<void> {
  shared ??= init();
  let s: Shared;
  try {
    s = await shared;
  } catch (e) {
    shared = undefined;
    throw e;
  }
  if (s.renderer.getContext().isContextLost()) {
    // Evicted context: rebuild lazily (eviction does not reliably fire webglcontextlost).
    s.renderer.dispose();
    shared = init();
    s = await shared;
  }
  const { three, renderer, scene, camera } = s;
  let entry = s.meshes.get(preview);
  if (!entry && preview.kind === 'points') {
    entry = pointsObject(three, preview);
    s.meshes.set(preview, entry);
  }
  if (!entry && preview.kind === 'mesh') {
    const g = new three.BufferGeometry();
    g.setAttribute('position', new three.BufferAttribute(preview.positions, 3));
    if (preview.colors) g.setAttribute('color', new three.BufferAttribute(preview.colors, 3));
    g.setIndex(new three.BufferAttribute(preview.indices, 1));
    g.computeVertexNormals();
    g.computeBoundingSphere();
    const material = new three.MeshStandardMaterial({ color: preview.colors ? 0xffffff : 0xc8b4a0, vertexColors: Boolean(preview.colors), roughness: 0.7, metalness: 0, side: three.DoubleSide });
    const sphere = g.boundingSphere!;
    entry = { mesh: new three.Mesh(g, material), radius: sphere.radius || 1, center: sphere.center.clone() };
    s.meshes.set(preview, entry);
  }
  if (!entry) return;
  const dpr = Math.min(2, globalThis.devicePixelRatio || 1);
  renderer.setSize(Math.round(w * dpr), Math.round(h * dpr), false);
  camera.aspect = w / h;
  const dist = (entry.radius / Math.sin((camera.fov * Math.PI) / 360)) * orbit.zoom;
  const { azimuth: az, elevation: el } = orbit;
  camera.position.set(entry.center.x + dist * Math.cos(el) * Math.sin(az), entry.center.y + dist * Math.sin(el), entry.center.z + dist * Math.cos(el) * Math.cos(az));
  camera.near = dist / 100;
  camera.far = dist * 10;
  camera.lookAt(entry.center);
  camera.updateProjectionMatrix();
  scene.add(entry.mesh);
  renderer.setClearColor(0x14171c, 1);
  renderer.render(scene, camera);
  scene.remove(entry.mesh);
  target.width = Math.round(w * dpr);
  target.height = Math.round(h * dpr);
  target.getContext('2d')?.drawImage(renderer.domElement, 0, 0);
}
