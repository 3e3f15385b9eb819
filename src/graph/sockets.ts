/**
 * Socket types and the one compatibility rule used by the loader, the engine and the editor.
 * There is no silent coercion: a connection is allowed only when the output's values are valid
 * values of the input's type.
 */
export const SOCKET_TYPES = {
  any: 'any value (accepts every output)',
  number: 'a JavaScript number',
  boolean: 'true or false',
  string: 'text',
  tensor: 'a tf.Tensor of any shape',
  image: 'an RGB(A) image (frame)',
  video: 'a sequence of frames with timing',
  landmarks: '2-D landmarks per frame (iBUG-68 order)',
  segmentation: 'per-pixel region labels per frame',
  camera: 'pinhole intrinsics and world-to-camera extrinsics per frame',
  model: 'a loaded head model (networks and config)',
  latent: 'latent codes: identity geometry, appearance, expression',
  codeSequence: 'per-frame latent codes and poses of a tracking run',
  pose: 'a rigid head pose (rotation, translation, scale)',
  points: 'a set of 3-D points (e.g. posed anchors) with validity flags',
  field: 'a differentiable function of 3-D points (SDF, colour, deformation)',
  renderer: 'a differentiable renderer of a field under a camera',
  loss: 'a differentiable objective over parameters',
  mesh: 'a triangle mesh with optional vertex colours',
} as const;

export type SocketType = keyof typeof SOCKET_TYPES;

export function isSocketType(t: string): t is SocketType {
  return Object.hasOwn(SOCKET_TYPES, t);
}

/**
 * Which output types an input type also accepts besides its own. A `codeSequence` carries a full
 * latent per frame, so a latent input can take one (the node reads the frame it is asked for).
 */
const ACCEPTS: Partial<Record<SocketType, readonly SocketType[]>> = {
  latent: ['codeSequence'],
};

export type Compatibility = { ok: true } | { ok: false; reason: string };

export function canConnect(output: SocketType, input: SocketType): Compatibility {
  if (input === 'any' || output === input) return { ok: true };
  if (ACCEPTS[input]?.includes(output)) return { ok: true };
  return { ok: false, reason: `a '${output}' output cannot feed a '${input}' input` };
}

/** Output types that can feed `input`, for filtering the palette when a connection is dropped. */
export function acceptedOutputs(input: SocketType): SocketType[] {
  if (input === 'any') return Object.keys(SOCKET_TYPES) as SocketType[];
  return [input, ...(ACCEPTS[input] ?? [])];
}
