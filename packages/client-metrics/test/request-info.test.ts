import { describe, expect, it } from 'vitest';
import { apiserverRequest } from '../src/request-info.ts';

// Expected values follow kube-apiserver's RequestInfoFactory and apiserver_request_total's verbs.
describe('apiserverRequest', () => {
  it.each([
    ['GET', '/api/v1/configmaps?labelSelector=a', 'LIST', '', 'configmaps', ''],
    ['GET', '/api/v1/configmaps?watch=true&resourceVersion=5', 'WATCH', '', 'configmaps', ''],
    ['GET', '/api/v1/configmaps?watch=1', 'WATCH', '', 'configmaps', ''],
    ['GET', '/api/v1/configmaps?watch=false', 'LIST', '', 'configmaps', ''],
    ['GET', '/api/v1/namespaces/a/configmaps', 'LIST', '', 'configmaps', ''],
    ['GET', '/api/v1/namespaces/a/configmaps/b', 'GET', '', 'configmaps', ''],
    ['HEAD', '/api/v1/namespaces/a/configmaps', 'LIST', '', 'configmaps', ''],
    ['PATCH', '/api/v1/namespaces/a/configmaps/b', 'PATCH', '', 'configmaps', ''],
    ['PUT', '/api/v1/namespaces/a/pods/b/status', 'PUT', '', 'pods', 'status'],
    ['POST', '/api/v1/namespaces/a/pods/b/eviction', 'POST', '', 'pods', 'eviction'],
    ['DELETE', '/api/v1/namespaces/a/configmaps', 'DELETE', '', 'configmaps', ''],
    [
      'POST',
      '/apis/authentication.k8s.io/v1/tokenreviews',
      'POST',
      'authentication.k8s.io',
      'tokenreviews',
      '',
    ],
    ['GET', '/apis/apps/v1/namespaces/a/deployments?watch=true', 'WATCH', 'apps', 'deployments', ''],
    ['GET', '/apis/coordination.k8s.io/v1/namespaces/a/leases/l', 'GET', 'coordination.k8s.io', 'leases', ''],
    // A namespace is a resource too; status and finalize are its own subresources.
    ['GET', '/api/v1/namespaces', 'LIST', '', 'namespaces', ''],
    ['GET', '/api/v1/namespaces/a', 'GET', '', 'namespaces', ''],
    ['PUT', '/api/v1/namespaces/a/finalize', 'PUT', '', 'namespaces', 'finalize'],
    ['GET', '/api/v1/namespaces/a/status', 'GET', '', 'namespaces', 'status'],
    // The legacy /watch/ form names its verb in the path.
    ['GET', '/api/v1/watch/namespaces/a/pods', 'WATCH', '', 'pods', ''],
    ['GET', '/api/v1/namespaces/a/pods/b/proxy/metrics', 'GET', '', 'pods', 'proxy'],
    ['GET', '/api/v1/proxy/namespaces/a/pods/b/metrics', 'GET', '', 'pods', ''],
  ])('%s %s → %s %s/%s/%s', (method, path, verb, group, resource, subresource) => {
    expect(apiserverRequest(method, path)).toEqual({ verb, group, resource, subresource });
  });

  it.each([
    ['GET', '/version'],
    ['GET', '/healthz?verbose'],
    ['GET', '/api'],
    ['GET', '/api/v1'],
    ['GET', '/apis'],
    ['GET', '/apis/apps'],
    ['GET', '/apis/apps/v1'],
    ['GET', '/openapi/v3'],
  ])('%s %s is a non-resource request: the method, no resource', (method, path) => {
    expect(apiserverRequest(method, path)).toEqual({
      verb: method,
      group: '',
      resource: '',
      subresource: '',
    });
  });

  it('upper-cases the method as apiserver_request_total reports it', () => {
    expect(apiserverRequest('patch', '/api/v1/namespaces/a/configmaps/b').verb).toBe('PATCH');
  });
});
