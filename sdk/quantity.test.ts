import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, Code } from './errors.js';
import { parseQuantity, Quantity } from './quantity.js';

describe('Quantity.parse', () => {
  // input, canonical string, nanos
  const valid: [input: string, canonical: string, nanos: bigint][] = [
    ['0', '0', 0n],
    ['-0', '0', 0n],
    ['0m', '0', 0n],
    ['0Ki', '0', 0n],
    ['0.0', '0', 0n],
    ['1', '1', 1_000_000_000n],
    ['+1', '1', 1_000_000_000n],
    ['1.', '1', 1_000_000_000n],
    ['.5', '500m', 500_000_000n],
    ['0.5', '500m', 500_000_000n],
    ['100m', '100m', 100_000_000n],
    ['1000m', '1', 1_000_000_000n],
    ['1500m', '1500m', 1_500_000_000n],
    ['1.5', '1500m', 1_500_000_000n],
    ['0.1m', '100u', 100_000n],
    ['1n', '1n', 1n],
    ['1u', '1u', 1_000n],
    ['0.5n', '1n', 1n],
    ['-0.5n', '-1n', -1n],
    ['2k', '2k', 2_000_000_000_000n],
    ['1.5k', '1500', 1_500_000_000_000n],
    ['1000', '1k', 1_000_000_000_000n],
    ['1500', '1500', 1_500_000_000_000n],
    ['1000000', '1M', 10n ** 15n],
    ['1G', '1G', 10n ** 18n],
    ['1E', '1E', 10n ** 27n],
    ['1000E', '1e21', 10n ** 30n],
    ['1Ki', '1Ki', 1024n * 10n ** 9n],
    ['500Ki', '500Ki', 500n * 1024n * 10n ** 9n],
    ['1024Ki', '1Mi', 1024n ** 2n * 10n ** 9n],
    ['128Mi', '128Mi', 128n * 1024n ** 2n * 10n ** 9n],
    ['2048Mi', '2Gi', 2n * 1024n ** 3n * 10n ** 9n],
    ['1Gi', '1Gi', 1024n ** 3n * 10n ** 9n],
    ['1.5Gi', '1536Mi', 1536n * 1024n ** 2n * 10n ** 9n],
    ['1.1Gi', '1181116006400m', 1_181_116_006_400_000_000n],
    ['0.5Ki', '512', 512n * 10n ** 9n],
    ['1Ei', '1Ei', 1024n ** 6n * 10n ** 9n],
    ['1024Ei', '1024Ei', 1024n ** 7n * 10n ** 9n],
    ['1e3', '1e3', 10n ** 12n],
    ['1E3', '1e3', 10n ** 12n],
    ['1e+3', '1e3', 10n ** 12n],
    ['12e6', '12e6', 12n * 10n ** 15n],
    ['1e0', '1', 10n ** 9n],
    ['100e-3', '100e-3', 100_000_000n],
    ['1e-10', '1e-9', 1n],
    ['1e30', '1e30', 10n ** 39n],
    ['-100m', '-100m', -100_000_000n],
    ['-1Gi', '-1Gi', -(1024n ** 3n) * 10n ** 9n],
  ];
  for (const [input, canonical, nanos] of valid) {
    it(`parses ${input} as ${canonical}`, () => {
      const q = Quantity.parse(input);
      assert.equal(q.nanos, nanos);
      assert.equal(q.toString(), canonical);
      assert.equal(JSON.stringify({ q }), `{"q":"${canonical}"}`);
      // The canonical form is a fixed point.
      assert.equal(Quantity.parse(canonical).nanos, nanos);
      assert.equal(Quantity.parse(canonical).toString(), canonical);
    });
  }

  const invalid: [input: string, reason: string][] = [
    ['', 'must not be empty'],
    ['.', 'must start with a number, such as 1, 0.5, 100m, 128Mi or 1e3'],
    ['-', 'must start with a number'],
    ['m', 'must start with a number'],
    [' 1', 'must start with a number'],
    ['1 ', 'unknown suffix " "'],
    [
      '1ki',
      'unknown suffix "ki": use n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent such as e3',
    ],
    ['1K', 'unknown suffix "K"'],
    ['1MiB', 'unknown suffix "MiB"'],
    ['1.2.3', 'unknown suffix ".3"'],
    ['1e', 'unknown suffix "e"'],
    ['1e+', 'unknown suffix "e+"'],
    ['1e3.5', 'unknown suffix "e3.5"'],
    ['abc', 'must start with a number'],
    ['1e101', 'exponent 101 is out of range (at most 100 either way)'],
    ['1e-999999999', 'exponent -999999999 is out of range'],
  ];
  for (const [input, reason] of invalid) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      const result = Quantity.tryParse(input);
      assert.equal(result.ok, false);
      if (!result.ok) assert.ok(result.reason.startsWith(reason), result.reason);
      assert.throws(
        () => parseQuantity(input),
        (err: unknown) =>
          err instanceof ApiError &&
          err.code === Code.INVALID_ARGUMENT &&
          err.message.startsWith(`invalid quantity "${input}": ${reason}`),
      );
    });
  }
});

describe('Quantity arithmetic', () => {
  const q = Quantity.parse;
  const cmp: [a: string, b: string, expected: -1 | 0 | 1][] = [
    ['100m', '0.1', 0],
    ['1', '1000m', 0],
    ['1Ki', '1024', 0],
    ['1k', '1Ki', -1],
    ['1G', '1Gi', -1],
    ['1e3', '1k', 0],
    ['-1', '0', -1],
    ['500Mi', '1Gi', -1],
    ['2', '1999m', 1],
  ];
  for (const [a, b, expected] of cmp) {
    it(`compares ${a} and ${b}`, () => {
      assert.equal(q(a).cmp(q(b)), expected);
      assert.equal(q(b).cmp(q(a)), 0 - expected);
      assert.equal(q(a).equals(q(b)), expected === 0);
    });
  }

  const sums: [a: string, b: string, sum: string, difference: string][] = [
    ['100m', '200m', '300m', '-100m'],
    ['1', '500m', '1500m', '500m'],
    ['1Gi', '512Mi', '1536Mi', '512Mi'],
    ['1Gi', '1Gi', '2Gi', '0'],
    ['0', '1Gi', '1Gi', '-1Gi'],
    ['1Ki', '1', '1025', '1023'],
    ['1e3', '1e3', '2e3', '0'],
  ];
  for (const [a, b, sum, difference] of sums) {
    it(`${a} + ${b} = ${sum}, ${a} - ${b} = ${difference}`, () => {
      assert.equal(q(a).add(q(b)).toString(), sum);
      assert.equal(q(a).sub(q(b)).toString(), difference);
    });
  }

  it('does not change its operands', () => {
    const a = q('1');
    a.add(q('1'));
    assert.equal(a.toString(), '1');
  });

  const scaled: [input: string, milli: bigint, value: bigint][] = [
    ['100m', 100n, 1n],
    ['1', 1000n, 1n],
    ['1.5', 1500n, 2n],
    ['0.1m', 1n, 1n],
    ['128Mi', 134_217_728_000n, 134_217_728n],
    ['-1.5', -1500n, -2n],
    ['0', 0n, 0n],
  ];
  for (const [input, milli, value] of scaled) {
    it(`${input} is ${milli} milli and ${value} units, rounded up`, () => {
      assert.equal(q(input).milliValue(), milli);
      assert.equal(q(input).value(), value);
    });
  }

  it('builds quantities from milli-units and units', () => {
    assert.equal(Quantity.fromMilli(250).toString(), '250m');
    assert.equal(Quantity.fromMilli(2000n).toString(), '2');
    assert.equal(Quantity.fromValue(1024 ** 3, 'BinarySI').toString(), '1Gi');
    assert.equal(Quantity.fromValue(1000).toString(), '1k');
    assert.equal(Quantity.zero.toString(), '0');
    assert.equal(Quantity.zero.add(q('1Mi')).toString(), '1Mi');
  });

  it('knows signs', () => {
    assert.equal(q('-1m').sign(), -1);
    assert.equal(q('0').sign(), 0);
    assert.equal(q('1m').sign(), 1);
    assert.ok(q('0Gi').isZero());
    assert.equal(q('1m').neg().toString(), '-1m');
  });
});
