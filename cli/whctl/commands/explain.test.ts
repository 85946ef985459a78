import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explain } from './explain.js';

test('explain a kind: KIND, VERSION, its documentation and its fields with types', () => {
  const text = explain('pods', false);
  assert.match(
    text,
    /^KIND: {7}Pod\nVERSION: {4}v1\n\nDESCRIPTION:\n {4}Pod is a group of containers scheduled together/,
  );
  assert.match(text, /\nFIELDS:\n {2}apiVersion\t<string>\n {4}APIVersion defines/);
  assert.match(text, /\n {2}spec\t<PodSpec>\n {4}What should run;/);
});

test('explain a field path: FIELD with its type, the field and type documentation', () => {
  const text = explain('pods.spec.containers', false);
  assert.match(
    text,
    /^KIND: {7}Pod\nVERSION: {4}v1\n\nFIELD: containers <\[\]Container>\n\nDESCRIPTION:\n {4}At least one\./,
  );
  const leaf = explain('deployments.spec.replicas', false);
  assert.match(leaf, /FIELD: replicas <integer>/);
  assert.doesNotMatch(leaf, /FIELDS:/);
  assert.throws(() => explain('pods.spec.nope', false), /field "nope" does not exist in pods\.spec/);
});

test('--recursive lists nested fields by indentation, without descriptions', () => {
  const text = explain('pods.spec', true);
  assert.match(text, /\n {2}containers\t<\[\]Container>\n {4}args\t<\[\]string>\n/);
  assert.doesNotMatch(text, /At least one/);
});
