/** Volumetric NeuS rendering and mesh extraction for any neural SDF/colour field (see each module). */
export * from './camera.ts';
export * from './rays.ts';
export * from './pose.ts';
export * from './field.ts';
export * from './neus.ts';
export * from './render.ts';
export * from './marching-cubes.ts';
export * from './mesh.ts';
export * from './model-field.ts';
export * from './gradients.ts';
