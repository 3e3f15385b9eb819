import { invertRigid, lookAtOpenGL, makeCamera, type Camera, type Vec3 } from '../../render/camera.ts';

export interface OrbitSpec {
  width: number;
  height: number;
  /** Focal length in image widths. */
  focal: number;
  distance: number;
  yawDeg: number;
  pitchDeg: number;
  target: readonly number[];
}

export const PREVIEW_ORBIT: OrbitSpec = { width: 64, height: 64, focal: 2, distance: 2.6, yawDeg: 0, pitchDeg: 0, target: [0, -0.05, 0] };

/** A camera on a sphere around `target`, looking at it, up = +y (OpenGL axes). */
export function orbitCamera(o: OrbitSpec): Camera {
  const [yaw, pitch] = [(o.yawDeg * Math.PI) / 180, (o.pitchDeg * Math.PI) / 180];
  const t = o.target;
  const eye: Vec3 = [t[0]! + o.distance * Math.cos(pitch) * Math.sin(yaw), t[1]! + o.distance * Math.sin(pitch), t[2]! + o.distance * Math.cos(pitch) * Math.cos(yaw)];
  const f = o.focal * o.width;
  const c2w = lookAtOpenGL(eye, [t[0]!, t[1]!, t[2]!], [0, 1, 0]);
  return makeCamera(o.width, o.height, [[f, 0, (o.width - 1) / 2], [0, f, (o.height - 1) / 2], [0, 0, 1]], invertRigid(c2w), 'opengl');
}
