import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Profile } from 'pprof-format';

const gzipAsync = promisify(gzip);

/** Serialises a profile to gzipped protobuf, the form `go tool pprof`, Parca and Go's net/http/pprof use. */
export async function encodeProfile(profile: Profile): Promise<Buffer> {
  return gzipAsync(await profile.encodeAsync());
}
