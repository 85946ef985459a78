import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, Code } from '../../sdk/errors.js';
import { formatError } from './report-error.js';
import { UsageError } from './usage-error.js';

describe('formatError', () => {
  it('prints the server reason and each cause once, one per line', () => {
    const causes = [
      { field: 'metadata.name', message: 'Invalid value: "A"', reason: 'FieldValueInvalid' },
      {
        field: 'spec.restartPolicy',
        message: 'Unsupported value: "Sometimes"',
        reason: 'FieldValueNotSupported',
      },
    ];
    const err = ApiError.invalid(
      'Pod "A" is invalid: [metadata.name: Invalid value: "A", spec.restartPolicy: Unsupported value: "Sometimes"]',
      causes,
    );
    assert.equal(
      formatError(err),
      'Error from server (Invalid): Pod "A" is invalid:\n' +
        '  * metadata.name: Invalid value: "A"\n' +
        '  * spec.restartPolicy: Unsupported value: "Sometimes"\n',
    );
  });

  it('keeps a message that does not repeat its causes as it is', () => {
    const err = ApiError.invalid('Pod "A" is invalid', [
      { field: 'spec', message: 'Required value', reason: '' },
    ]);
    assert.equal(
      formatError(err),
      'Error from server (Invalid): Pod "A" is invalid\n  * spec: Required value\n',
    );
    assert.equal(formatError(ApiError.forbidden('no')), 'Error from server (Forbidden): no\n');
  });

  it('says when the server cannot be reached, and prints other errors plainly', () => {
    const down = new ApiError(
      Code.UNAVAILABLE,
      'No connection established. Last error: ECONNREFUSED. Resolution note: ',
    );
    assert.equal(
      formatError(down),
      'error: cannot reach the apiserver: No connection established. Last error: ECONNREFUSED\n',
    );
    assert.equal(formatError(new UsageError('bad flag')), 'error: bad flag\n');
  });
});
