// What a request to the apiserver is in Kubernetes terms, read from its method and URL the way
// kube-apiserver's RequestInfoFactory reads it (k8s.io/apiserver/pkg/endpoints/request), reported with
// the verbs of the apiserver's own apiserver_request_total: a GET on a collection is a LIST, or a WATCH
// with `?watch=true`; other methods keep their name. On the wire a LIST and a WATCH are GETs, which is
// all client-go's rest_client_requests_total{method} can say.

/** The Kubernetes side of a request: empty group and resource for a non-resource path. */
export interface ApiserverRequest {
  /** GET, LIST, WATCH, POST, PUT, PATCH, DELETE (apiserver_request_total's verbs; no APPLY). */
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource: string;
}

// Subresources of a namespace itself (`/api/v1/namespaces/x/status`), not resources inside it.
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
// Go's strconv.ParseBool spellings of true, which the apiserver's query decoding accepts.
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

function nonResource(method: string): ApiserverRequest {
  return { verb: method, group: '', resource: '', subresource: '' };
}

/** Reads `pathAndQuery` (`/api/v1/namespaces/a/configmaps?watch=true`) sent with `method`. */
export function apiserverRequest(method: string, pathAndQuery: string): ApiserverRequest {
  const verb = method.toUpperCase();
  const queryAt = pathAndQuery.indexOf('?');
  const path = queryAt === -1 ? pathAndQuery : pathAndQuery.slice(0, queryAt);
  let parts = path.split('/').filter((p) => p !== '');
  if (parts.length < 3 || (parts[0] !== 'api' && parts[0] !== 'apis')) return nonResource(verb);
  let group = '';
  if (parts[0] === 'apis') {
    if (parts.length < 4) return nonResource(verb);
    group = parts[1]!;
    parts = parts.slice(3);
  } else {
    parts = parts.slice(2);
  }
  // The legacy `/watch/` and `/proxy/` forms name their verb in the path.
  const special = parts[0] === 'watch' || parts[0] === 'proxy' ? parts[0] : undefined;
  if (special !== undefined) parts = parts.slice(1);
  if (parts[0] === 'namespaces' && parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!))
    parts = parts.slice(2);
  const [resource = '', name = '', subresource = ''] = parts;
  const kept = special === 'proxy' ? '' : subresource;
  if (special === 'watch') return { verb: 'WATCH', group, resource, subresource: kept };
  if ((verb === 'GET' || verb === 'HEAD') && name === '' && special === undefined) {
    const query = new URLSearchParams(queryAt === -1 ? '' : pathAndQuery.slice(queryAt + 1));
    const watch = TRUE.has(query.get('watch') ?? '');
    return { verb: watch ? 'WATCH' : 'LIST', group, resource, subresource: kept };
  }
  return { verb, group, resource, subresource: kept };
}
