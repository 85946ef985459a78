import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, Code } from '../errors.js';
import { parse } from './parse.js';
import { isEmpty, selectorToString } from './selector.js';

describe('parse', () => {
  const valid: [input: string, canonical: string][] = [
    ['', ''],
    ['   ', ''],
    ['app=web', 'app=web'],
    ['app==web', 'app=web'],
    ['app = web', 'app=web'],
    ['app!=web', 'app!=web'],
    ['tier=', 'tier='],
    ['tier!=', 'tier!='],
    ['app', 'app'],
    ['!canary', '!canary'],
    ['! canary', '!canary'],
    ['env in (prod,staging)', 'env in (prod,staging)'],
    ['env in ( staging , prod )', 'env in (prod,staging)'],
    ['env in (prod,prod)', 'env in (prod)'],
    ['env notin (dev)', 'env notin (dev)'],
    ['env in ()', 'env in ()'],
    ['env in (a,,b)', 'env in (,a,b)'],
    ['env in (a,)', 'env in (,a)'],
    ['replicas>3', 'replicas>3'],
    ['replicas<3', 'replicas<3'],
    ['z=1,a=2', 'a=2,z=1'],
    ['app=web,tier in (frontend, cache),!canary', 'app=web,!canary,tier in (cache,frontend)'],
    ['example.com/team=core', 'example.com/team=core'],
    ['in=notin', 'in=notin'],
    ['x in (in,notin)', 'x in (in,notin)'],
    ['a=b\t,\nc', 'a=b,c'],
  ];
  for (const [input, canonical] of valid) {
    it(`parses ${JSON.stringify(input)}`, () => {
      const selector = parse(input);
      assert.equal(selectorToString(selector), canonical);
      // The canonical form parses back to the same selector.
      assert.deepEqual(parse(canonical), selector);
    });
  }

  it('gives the empty selector for the empty string', () => {
    assert.ok(isEmpty(parse('')));
    assert.ok(!isEmpty(parse('a')));
  });

  it('records operators and values', () => {
    assert.deepEqual(parse('b notin (y,x),a').requirements, [
      { key: 'a', operator: 'Exists', values: [] },
      { key: 'b', operator: 'NotIn', values: ['x', 'y'] },
    ]);
  });

  const invalid: [input: string, message: string][] = [
    ['app=web x', "at position 8: found 'x', expected ',' or end of string"],
    ['app=web,', "at position 8: found end of string, expected '!' or a label key"],
    [',app', "at position 0: found ',', expected '!' or a label key"],
    ['=web', "at position 0: found '=', expected '!' or a label key"],
    ['!', 'at position 1: found end of string, expected a label key'],
    ['!=x', "at position 0: found '!=', expected '!' or a label key"],
    ['!a=b', "at position 2: found '=', expected ',' or end of string"],
    ['a b', "at position 2: found 'b', expected an operator: '=', '==', '!=', 'in', 'notin', '<' or '>'"],
    ['a in b', "at position 5: found 'b', expected '('"],
    ['a in (b', "at position 7: found end of string, expected ',' or ')'"],
    ['a in (b c)', "at position 8: found 'c', expected ',' or ')'"],
    ['a in (=)', "at position 6: found '=', expected a label value, ',' or ')'"],
    ['a=(b)', "at position 2: found '(', expected a label value"],
    ['a=b=c', "at position 3: found '=', expected ',' or end of string"],
    ['a>x', "at position 0: for 'Gt', 'Lt' operators, the value must be an integer: \"x\""],
    ['a>', "at position 0: for 'Gt', 'Lt' operators, the value must be an integer"],
    ['-a=b', 'at position 0: key "-a": name part must consist of alphanumeric characters'],
    ['a/b/c', 'at position 0: key "a/b/c": a qualified name must consist of alphanumeric characters'],
    ['Example.com/a', 'at position 0: key "Example.com/a": prefix part a lowercase RFC 1123 subdomain'],
    [`a=${'v'.repeat(64)}`, 'must be no more than 63 characters'],
    ['a=-b', 'value "-b": a valid label must be an empty string or consist of alphanumeric characters'],
    ['a in (x,y_)', 'value "y_": a valid label must be an empty string'],
  ];
  for (const [input, message] of invalid) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => parse(input),
        (err: unknown) => {
          assert.ok(err instanceof ApiError);
          assert.equal(err.code, Code.INVALID_ARGUMENT);
          assert.ok(
            err.message.startsWith(`invalid label selector ${JSON.stringify(input)}: `),
            `message names the selector: ${err.message}`,
          );
          assert.ok(err.message.includes(message), `"${err.message}" should include "${message}"`);
          return true;
        },
      );
    });
  }

  it('quotes a huge key by its prefix, still naming its limit', () => {
    const key = 'k'.repeat(1 << 20);
    assert.throws(
      () => parse(key),
      (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.code, Code.INVALID_ARGUMENT);
        const prefix = `"${'k'.repeat(128)}..."(truncated)`;
        assert.equal(
          err.message,
          `invalid label selector ${prefix}: at position 0: key ${prefix}: name part must be no more than 63 characters`,
        );
        return true;
      },
    );
    assert.throws(
      () => parse(`app=${'v'.repeat(32 * 1024)}`),
      /value "v{128}\.\.\."\(truncated\): must be no more than 63 characters/,
    );
  });
});
