import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressRequests, progressRequestsOf } from './progress-requests.js';

/** A store that counts progress requests and answers each with the next revision. */
function fakeStore() {
  const store = {
    calls: 0,
    async requestProgress() {
      store.calls++;
      return 100 + store.calls;
    },
  };
  return store;
}

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('ProgressRequests', () => {
  it('sends one request for every caller of one event-loop turn', async () => {
    const store = fakeStore();
    const requests = new ProgressRequests(store);
    const revisions = await Promise.all([requests.revision(), requests.revision(), requests.revision()]);
    assert.deepEqual(revisions, [101, 101, 101]);
    assert.equal(store.calls, 1);
  });

  it('gives a caller that arrives after the request left the next request', async () => {
    const store = fakeStore();
    const requests = new ProgressRequests(store);
    const first = requests.revision();
    await turn();
    assert.equal(store.calls, 1, 'the first request has left');
    const second = requests.revision();
    assert.notEqual(second, first);
    assert.equal(await first, 101);
    assert.equal(await second, 102);
    assert.equal(store.calls, 2);
  });

  it('keeps at most one request on its way: callers meanwhile share the next, sent when it is answered', async () => {
    const answers: ((revision: number) => void)[] = [];
    const requests = new ProgressRequests({
      requestProgress: () => new Promise<number>((resolve) => answers.push(resolve)),
    });
    const first = requests.revision();
    await turn();
    assert.equal(answers.length, 1);
    const later = [requests.revision(), requests.revision()];
    await turn();
    await turn();
    assert.equal(answers.length, 1, 'nothing more leaves while the first is unanswered');
    answers[0]!(10);
    assert.equal(await first, 10);
    await turn();
    assert.equal(answers.length, 2, 'the next one left as the first was answered');
    answers[1]!(11);
    assert.deepEqual(await Promise.all(later), [11, 11]);
  });

  it('rejects every caller of a failed request, and the next caller tries again', async () => {
    let fail = true;
    const requests = new ProgressRequests({
      requestProgress: async () => {
        if (fail) throw new Error('store unavailable');
        return 7;
      },
    });
    const results = await Promise.allSettled([requests.revision(), requests.revision()]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    fail = false;
    assert.equal(await requests.revision(), 7);
  });

  it('is shared by every user of one store', () => {
    const store = fakeStore();
    assert.equal(progressRequestsOf(store), progressRequestsOf(store));
    assert.notEqual(progressRequestsOf(store), progressRequestsOf(fakeStore()));
  });
});
