/**
 * `@kubediag/klog/internal`: what other kubediag packages need from this one and operator authors do
 * not. It carries no compatibility promise: names and signatures change with any release.
 */
export { glogSetter } from './glog-setter.ts';
export type { GlogSetterResult } from './glog-setter.ts';
