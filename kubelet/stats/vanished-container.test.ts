import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, Code } from '../../sdk/errors.js';
import { isVanishedContainer } from './vanished-container.js';

test('a container gone between list and stats is churn; anything else is a fault', () => {
  const vanished = [
    new ApiError(
      Code.UNKNOWN,
      'failed to get container ID 3f2a: failed to get container "3f2a": container "3f2a" in namespace "k8s.io": not found',
    ),
    new ApiError(Code.NOT_FOUND, 'container "3f2a" not found'),
  ];
  for (const err of vanished) assert.equal(isVanishedContainer(err), true, err.message);
  const faults: unknown[] = [
    new ApiError(Code.UNAVAILABLE, 'connect ENOENT /run/containerd/containerd.sock'),
    new ApiError(Code.UNKNOWN, 'failed to decode container metrics'),
    new ApiError(Code.DEADLINE_EXCEEDED, 'deadline exceeded: image not found in cache'),
    new Error('not found'),
    'not found',
  ];
  for (const err of faults) assert.equal(isVanishedContainer(err), false, String(err));
});
