/**
 * `@kubediag/pprof/internal`: what other kubediag packages (and their tests) need from this one and
 * operator authors do not. It carries no compatibility promise: names and signatures change with any
 * release.
 */
export { InspectorBackend } from './inspector-backend.ts';
