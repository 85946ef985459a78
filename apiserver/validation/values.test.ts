import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IntOrString } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { errorMessage } from './field-error.js';
import { FieldPath } from './field-path.js';
import {
  type ResourceLists,
  validateIntOrPercent,
  validateNonNegative,
  validateNonNegativeQuantity,
  validateNotMoreThan100Percent,
  validatePositive,
  validateQuantity,
  validateResourceRequirements,
} from './values.js';

const path = FieldPath.of('spec', 'x');

describe('integer validators', () => {
  const cases: [fn: typeof validateNonNegative, value: number | bigint | string, messages: string[]][] = [
    [validateNonNegative, 0, []],
    [validateNonNegative, '5', []],
    [validateNonNegative, 3n, []],
    [validateNonNegative, -1, ['spec.x: Invalid value: -1: must be greater than or equal to 0']],
    [
      validateNonNegative,
      '-9007199254740993',
      ['spec.x: Invalid value: -9007199254740993: must be greater than or equal to 0'],
    ],
    [validateNonNegative, 1.5, ['spec.x: Invalid value: 1.5: must be an integer']],
    [validateNonNegative, 'ten', ['spec.x: Invalid value: "ten": must be an integer']],
    [validatePositive, 1, []],
    [validatePositive, 0, ['spec.x: Invalid value: 0: must be greater than zero']],
    [validatePositive, '-2', ['spec.x: Invalid value: -2: must be greater than zero']],
  ];
  for (const [fn, value, messages] of cases) {
    it(`${fn.name}(${String(value)})`, () => {
      assert.deepEqual(fn(value, path).map(errorMessage), messages);
    });
  }
});

describe('validateIntOrPercent', () => {
  const int = (n: number) => IntOrString.fromPartial({ value: { $case: 'intVal', value: n } });
  const str = (s: string) => IntOrString.fromPartial({ value: { $case: 'strVal', value: s } });
  const percentMsg = "must be a percentage (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";
  const cases: [value: IntOrString | undefined, messages: string[], over100: string[]][] = [
    [int(1), [], []],
    [int(0), [], []],
    [str('25%'), [], []],
    [str('100%'), [], []],
    [str('150%'), [], ['spec.x: Invalid value: "150%": should not be more than 100%']],
    [int(-1), ['spec.x: Invalid value: -1: must be greater than or equal to 0'], []],
    [str('25'), [`spec.x: Invalid value: "25": ${percentMsg}`], []],
    [str('-5%'), [`spec.x: Invalid value: "-5%": ${percentMsg}`], []],
    [undefined, ["spec.x: Invalid value: must be an integer or percentage (e.g '5%')"], []],
    [IntOrString.fromPartial({}), ["spec.x: Invalid value: must be an integer or percentage (e.g '5%')"], []],
  ];
  for (const [value, messages, over100] of cases) {
    it(JSON.stringify(value?.value?.value ?? null), () => {
      assert.deepEqual(validateIntOrPercent(value, path).map(errorMessage), messages);
      assert.deepEqual(validateNotMoreThan100Percent(value, path).map(errorMessage), over100);
    });
  }
});

describe('quantity validators', () => {
  it('parses valid quantities and returns them', () => {
    const { errors, quantity } = validateQuantity('128Mi', path);
    assert.deepEqual(errors, []);
    assert.equal(quantity?.value(), 134217728n);
  });

  const cases: [value: string, messages: string[]][] = [
    ['1', []],
    ['0', []],
    ['-1', ['spec.x: Invalid value: "-1": must be greater than or equal to 0']],
    [
      '1 Gi',
      [
        'spec.x: Invalid value: "1 Gi": unknown suffix " Gi": use n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent such as e3',
      ],
    ],
    ['', ['spec.x: Invalid value: "": must not be empty']],
  ];
  for (const [value, messages] of cases) {
    it(JSON.stringify(value), () => {
      assert.deepEqual(validateNonNegativeQuantity(value, path).errors.map(errorMessage), messages);
    });
  }
});

describe('validateResourceRequirements', () => {
  const resources = FieldPath.of('spec', 'containers').index(0).child('resources');
  const cases: [name: string, value: ResourceLists | undefined, messages: string[]][] = [
    ['absent', undefined, []],
    [
      'requests within limits',
      { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '1024Mi' } },
      [],
    ],
    ['requests without limits', { requests: { cpu: '64' } }, []],
    ['limits without requests', { limits: { cpu: '1' } }, []],
    [
      'cpu request above limit',
      { requests: { cpu: '1500m' }, limits: { cpu: '1' } },
      [
        'spec.containers[0].resources.requests[cpu]: Invalid value: "1500m": must be less than or equal to cpu limit of 1',
      ],
    ],
    [
      'memory request above limit',
      { requests: { memory: '2Gi' }, limits: { memory: '2G' } },
      [
        'spec.containers[0].resources.requests[memory]: Invalid value: "2Gi": must be less than or equal to memory limit of 2G',
      ],
    ],
    [
      'invalid and negative quantities',
      { requests: { cpu: 'lots' }, limits: { memory: '-1Mi' } },
      [
        'spec.containers[0].resources.limits[memory]: Invalid value: "-1Mi": must be greater than or equal to 0',
        'spec.containers[0].resources.requests[cpu]: Invalid value: "lots": must start with a number, such as 1, 0.5, 100m, 128Mi or 1e3',
      ],
    ],
  ];
  for (const [name, value, messages] of cases) {
    it(name, () => {
      assert.deepEqual(validateResourceRequirements(value, resources).map(errorMessage), messages);
    });
  }
});
