import { createHash } from 'node:crypto';

/** The annotation the operator maintains on every ConfigMap it watches. */
export const CHECKSUM_ANNOTATION = 'demo.kubediag.dev/checksum';
/** Only ConfigMaps with this label are reconciled. */
export const WATCH_LABEL = 'demo.kubediag.dev/watch';

/** A stable SHA-256 over the ConfigMap's data and binaryData, independent of key order. */
export function checksumOf(
  data: Readonly<Record<string, string>> = {},
  binaryData: Readonly<Record<string, string>> = {},
): string {
  const hash = createHash('sha256');
  for (const [prefix, map] of [
    ['d', data],
    ['b', binaryData],
  ] as const) {
    for (const key of Object.keys(map).sort()) hash.update(`${prefix}\0${key}\0${map[key]}\0`);
  }
  return `sha256:${hash.digest('hex')}`;
}
