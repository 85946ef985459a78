/**
 * Normalization, with the counts worked out by hand: the downscale stabilization window and
 * the scale-up limit without spec.behavior; with it, each direction's window and policies
 * over the scale events of their periods; and the AbleToScale and ScalingLimited texts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ScaleEvent, TimestampedRecommendation } from './autoscaler-history.js';
import {
  convertDesiredReplicasWithBehaviorRate,
  convertDesiredReplicasWithRules,
  type EffectiveBehavior,
  effectiveBehavior,
  normalizeDesiredReplicas,
  normalizeDesiredReplicasWithBehaviors,
  type ScalingRules,
  stabilizeRecommendation,
  stabilizeRecommendationWithBehaviors,
  storeScaleEvent,
} from './normalize-replicas.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const ago = (s: number) => NOW - s * 1000;
const rec = (recommendation: number, agoS: number): TimestampedRecommendation => ({
  recommendation,
  timestamp: ago(agoS),
});
const up = (replicaChange: number, agoS: number): ScaleEvent => ({
  replicaChange,
  timestamp: ago(agoS),
  outdated: false,
});
const FIVE_MINUTES = 300_000;

describe('without spec.behavior', () => {
  test('a scale-down takes the highest recommendation of the window, and records this one in the oldest slot', () => {
    const recs = [rec(5, 60), rec(9, 400), rec(4, 100)];
    assert.equal(stabilizeRecommendation(recs, 2, FIVE_MINUTES, NOW), 5);
    // The 400 s old sample is out of the window: its slot now holds this recommendation.
    assert.deepEqual(recs, [rec(5, 60), rec(2, 0), rec(4, 100)]);
    // Nothing old: appended.
    assert.equal(stabilizeRecommendation(recs, 7, FIVE_MINUTES, NOW), 7);
    assert.equal(recs.length, 4);
  });

  const bounds: {
    name: string;
    current: number;
    desired: number;
    min: number;
    max: number;
    want: [number, string];
  }[] = [
    { name: 'within range', current: 3, desired: 5, min: 1, max: 10, want: [5, 'DesiredWithinRange'] },
    // max(2 × 1, 4) = 4.
    {
      name: 'scale-up limit at least 4',
      current: 1,
      desired: 10,
      min: 1,
      max: 20,
      want: [4, 'ScaleUpLimit'],
    },
    // max(2 × 3, 4) = 6.
    {
      name: 'scale-up limit twice the current',
      current: 3,
      desired: 10,
      min: 1,
      max: 20,
      want: [6, 'ScaleUpLimit'],
    },
    {
      name: 'max below the rate limit',
      current: 3,
      desired: 10,
      min: 1,
      max: 5,
      want: [5, 'TooManyReplicas'],
    },
    { name: 'below min', current: 3, desired: 0, min: 2, max: 5, want: [2, 'TooFewReplicas'] },
  ];
  for (const c of bounds) {
    test(`bounds: ${c.name}`, () => {
      const limited = convertDesiredReplicasWithRules(c.current, c.desired, c.min, c.max);
      assert.deepEqual([limited.replicas, limited.reason], c.want);
    });
  }

  test('conditions: a stabilized scale-down', () => {
    const n = normalizeDesiredReplicas({
      currentReplicas: 5,
      desiredReplicas: 2,
      minReplicas: 1,
      maxReplicas: 10,
      now: NOW,
      recommendations: [rec(5, 120)],
      downscaleStabilizationWindowMs: FIVE_MINUTES,
    });
    assert.deepEqual(n, {
      desiredReplicas: 5,
      ableToScale: {
        status: 'True',
        reason: 'ScaleDownStabilized',
        message:
          'recent recommendations were higher than current one, applying the highest recent recommendation',
      },
      scalingLimited: {
        status: 'False',
        reason: 'DesiredWithinRange',
        message: 'the desired count is within the acceptable range',
      },
    });
  });

  test('conditions: a scale-down once the window has passed', () => {
    const n = normalizeDesiredReplicas({
      currentReplicas: 5,
      desiredReplicas: 2,
      minReplicas: 1,
      maxReplicas: 10,
      now: NOW,
      recommendations: [rec(5, 301)],
      downscaleStabilizationWindowMs: FIVE_MINUTES,
    });
    assert.equal(n.desiredReplicas, 2);
    assert.deepEqual(n.ableToScale, {
      status: 'True',
      reason: 'ReadyForNewScale',
      message: 'recommended size matches current size',
    });
  });

  test('conditions: limited by the scale-up rate, and by the bounds', () => {
    const input = {
      currentReplicas: 2,
      minReplicas: 3,
      now: NOW,
      downscaleStabilizationWindowMs: FIVE_MINUTES,
    };
    const fast = normalizeDesiredReplicas({
      ...input,
      desiredReplicas: 9,
      maxReplicas: 10,
      recommendations: [],
    });
    assert.deepEqual(
      [fast.desiredReplicas, fast.scalingLimited],
      [
        4,
        {
          status: 'True',
          reason: 'ScaleUpLimit',
          message: 'the desired replica count is increasing faster than the maximum scale rate',
        },
      ],
    );
    const many = normalizeDesiredReplicas({
      ...input,
      desiredReplicas: 4,
      maxReplicas: 3,
      recommendations: [],
    });
    assert.deepEqual(
      [many.desiredReplicas, many.scalingLimited],
      [
        3,
        {
          status: 'True',
          reason: 'TooManyReplicas',
          message: 'the desired replica count is more than the maximum replica count',
        },
      ],
    );
    const few = normalizeDesiredReplicas({
      ...input,
      desiredReplicas: 1,
      maxReplicas: 10,
      recommendations: [],
    });
    assert.deepEqual(
      [few.desiredReplicas, few.scalingLimited],
      [
        3,
        {
          status: 'True',
          reason: 'TooFewReplicas',
          message: 'the desired replica count is less than the minimum replica count',
        },
      ],
    );
  });
});

/** Rules of one direction. */
const rules = (
  policies: ScalingRules['policies'],
  selectPolicy = 'Max',
  stabilizationWindowSeconds = 0,
): ScalingRules => ({ policies, selectPolicy, stabilizationWindowSeconds });
const DEFAULTS = effectiveBehavior({}, FIVE_MINUTES);

describe('with spec.behavior', () => {
  test('defaults: up 4 pods or 100 % per 15 s unstabilized; down 100 % per 15 s over the flag window', () => {
    assert.deepEqual(DEFAULTS, {
      scaleUp: rules(
        [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
        'Max',
        0,
      ),
      scaleDown: rules([{ type: 'Percent', value: 100, periodSeconds: 15 }], 'Max', 300),
    });
    // A window given (even 0) is kept; an unset scale-down window is the flag's.
    const given = effectiveBehavior(
      { scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Min', policies: [] } },
      60_000,
    );
    assert.equal(given.scaleDown.stabilizationWindowSeconds, 0);
    assert.equal(given.scaleDown.selectPolicy, 'Min');
    assert.equal(
      effectiveBehavior({ scaleDown: { policies: [] } }, 60_000).scaleDown.stabilizationWindowSeconds,
      60,
    );
  });

  const behavior = (upWindowS: number, downWindowS: number): EffectiveBehavior => ({
    scaleUp: { ...DEFAULTS.scaleUp, stabilizationWindowSeconds: upWindowS },
    scaleDown: { ...DEFAULTS.scaleDown, stabilizationWindowSeconds: downWindowS },
  });

  test('a scale-up takes the lowest recommendation of its window', () => {
    const recs = [rec(3, 30), rec(2, 90)];
    const s = stabilizeRecommendationWithBehaviors(recs, {
      currentReplicas: 2,
      desiredReplicas: 6,
      behavior: behavior(60, 300),
      now: NOW,
    });
    // Up window (60 s): min(3, 6) = 3; down window (300 s): max(3, 2, 6) = 6; from 2 up to 3.
    assert.equal(s.recommendation, 3);
    assert.equal(s.condition.reason, 'ScaleUpStabilized');
    assert.equal(
      s.condition.message,
      'recent recommendations were lower than current one, applying the lowest recent recommendation',
    );
    // The 90 s sample is outside the up window but inside the down one: kept; this one appended.
    assert.equal(recs.length, 3);
  });

  test('a scale-down takes the highest recommendation of its window', () => {
    const s = stabilizeRecommendationWithBehaviors([rec(8, 100)], {
      currentReplicas: 6,
      desiredReplicas: 2,
      behavior: behavior(0, 300),
      now: NOW,
    });
    // Up window 0: only this one, 2; down: max(8, 2) = 8; the current 6 lies between: 6.
    assert.deepEqual([s.recommendation, s.condition.reason], [6, 'ScaleDownStabilized']);
  });

  test('a sample older than both windows gives its slot to this recommendation', () => {
    const recs = [rec(8, 400), rec(5, 10)];
    stabilizeRecommendationWithBehaviors(recs, {
      currentReplicas: 5,
      desiredReplicas: 4,
      behavior: behavior(60, 300),
      now: NOW,
    });
    assert.deepEqual(recs, [rec(4, 0), rec(5, 10)]);
  });

  const rate: {
    name: string;
    current: number;
    desired: number;
    min?: number;
    max?: number;
    scaleUp?: ScalingRules;
    scaleDown?: ScalingRules;
    ups?: ScaleEvent[];
    downs?: ScaleEvent[];
    want: [number, string];
  }[] = [
    // Pods: 3 + 4 = 7; Percent: ceil(3 × 2) = 6; Max picks 7.
    { name: 'up, Max of the default policies', current: 3, desired: 20, want: [7, 'ScaleUpLimit'] },
    {
      name: 'up, Min picks the smaller change',
      current: 3,
      desired: 20,
      scaleUp: { ...DEFAULTS.scaleUp, selectPolicy: 'Min' },
      want: [6, 'ScaleUpLimit'],
    },
    // Added 3 within the period: it started at 3, so 7 and 6 again.
    {
      name: 'up, counted from the start of the period',
      current: 6,
      desired: 20,
      ups: [up(3, 10)],
      want: [7, 'ScaleUpLimit'],
    },
    // Added 3 outside the 15 s period: from 6, 10 and 12.
    {
      name: 'up, older events no longer count',
      current: 6,
      desired: 20,
      ups: [up(3, 20)],
      want: [12, 'ScaleUpLimit'],
    },
    // Started at 3, 7 allowed, already at 8: no further scale-up, none down either.
    {
      name: 'up, past the limit holds at the current count',
      current: 8,
      desired: 20,
      ups: [up(5, 5)],
      want: [8, 'ScaleUpLimit'],
    },
    { name: 'up, max below the rate limit', current: 3, desired: 20, max: 5, want: [5, 'TooManyReplicas'] },
    {
      name: 'up, Disabled',
      current: 3,
      desired: 20,
      scaleUp: { ...DEFAULTS.scaleUp, selectPolicy: 'Disabled' },
      want: [3, 'ScaleUpLimit'],
    },
    // Percent 50 per 60 s: trunc(10 × 0.5) = 5.
    {
      name: 'down, Percent',
      current: 10,
      desired: 1,
      scaleDown: rules([{ type: 'Percent', value: 50, periodSeconds: 60 }]),
      want: [5, 'ScaleDownLimit'],
    },
    // Pods 1: 9; Percent 50: 5. Max (the largest change) is 5, Min is 9.
    {
      name: 'down, Max picks the larger change',
      current: 10,
      desired: 1,
      scaleDown: rules([
        { type: 'Pods', value: 1, periodSeconds: 60 },
        { type: 'Percent', value: 50, periodSeconds: 60 },
      ]),
      want: [5, 'ScaleDownLimit'],
    },
    {
      name: 'down, Min picks the smaller change',
      current: 10,
      desired: 1,
      scaleDown: rules(
        [
          { type: 'Pods', value: 1, periodSeconds: 60 },
          { type: 'Percent', value: 50, periodSeconds: 60 },
        ],
        'Min',
      ),
      want: [9, 'ScaleDownLimit'],
    },
    // 5 removed within the period: it started at 10, trunc(10 × 0.5) = 5 = current, so no further.
    {
      name: 'down, counted from the start of the period',
      current: 5,
      desired: 1,
      scaleDown: rules([{ type: 'Percent', value: 50, periodSeconds: 60 }]),
      downs: [up(5, 30)],
      want: [5, 'ScaleDownLimit'],
    },
    // 100 % allows 0; min 2 holds.
    { name: 'down, below min', current: 4, desired: 1, min: 2, want: [2, 'TooFewReplicas'] },
    {
      name: 'down, Disabled',
      current: 4,
      desired: 1,
      scaleDown: { ...DEFAULTS.scaleDown, selectPolicy: 'Disabled' },
      want: [4, 'ScaleDownLimit'],
    },
    { name: 'unchanged', current: 4, desired: 4, want: [4, 'DesiredWithinRange'] },
  ];
  for (const c of rate) {
    test(`rate: ${c.name}`, () => {
      const limited = convertDesiredReplicasWithBehaviorRate({
        currentReplicas: c.current,
        desiredReplicas: c.desired,
        minReplicas: c.min ?? 1,
        maxReplicas: c.max ?? 100,
        behavior: { scaleUp: c.scaleUp ?? DEFAULTS.scaleUp, scaleDown: c.scaleDown ?? DEFAULTS.scaleDown },
        scaleUpEvents: c.ups ?? [],
        scaleDownEvents: c.downs ?? [],
        now: NOW,
      });
      assert.deepEqual([limited.replicas, limited.reason], c.want);
    });
  }

  test('conditions: stabilized, then limited by the rate', () => {
    const n = normalizeDesiredReplicasWithBehaviors({
      currentReplicas: 2,
      desiredReplicas: 30,
      minReplicas: 1,
      maxReplicas: 50,
      now: NOW,
      behavior: behavior(60, 300),
      recommendations: [rec(20, 30)],
      scaleUpEvents: [],
      scaleDownEvents: [],
    });
    // Up window: min(20, 30) = 20; the rate from 2: max(2 + 4, ceil(2 × 2)) = 6.
    assert.deepEqual(n, {
      desiredReplicas: 6,
      ableToScale: {
        status: 'True',
        reason: 'ScaleUpStabilized',
        message:
          'recent recommendations were lower than current one, applying the lowest recent recommendation',
      },
      scalingLimited: {
        status: 'True',
        reason: 'ScaleUpLimit',
        message: 'the desired replica count is increasing faster than the maximum scale rate',
      },
    });
  });

  test('conditions: a scale-down limited by its policy', () => {
    const n = normalizeDesiredReplicasWithBehaviors({
      currentReplicas: 10,
      desiredReplicas: 2,
      minReplicas: 1,
      maxReplicas: 50,
      now: NOW,
      behavior: {
        scaleUp: DEFAULTS.scaleUp,
        scaleDown: rules([{ type: 'Pods', value: 3, periodSeconds: 60 }]),
      },
      recommendations: [],
      scaleUpEvents: [],
      scaleDownEvents: [],
    });
    assert.deepEqual(
      [n.desiredReplicas, n.ableToScale.reason, n.scalingLimited],
      [
        7,
        'ReadyForNewScale',
        {
          status: 'True',
          reason: 'ScaleDownLimit',
          message: 'the desired replica count is decreasing faster than the maximum scale rate',
        },
      ],
    );
  });

  test('scale events: kept per direction, an event older than the longest period gives up its slot', () => {
    const events = { scaleUp: [up(2, 20), up(1, 5)], scaleDown: [] as ScaleEvent[] };
    storeScaleEvent(DEFAULTS, events, 3, 7, NOW);
    // The 20 s old event is past the 15 s period: replaced by +4.
    assert.deepEqual(events.scaleUp, [up(4, 0), up(1, 5)]);
    storeScaleEvent(DEFAULTS, events, 7, 5, NOW);
    assert.deepEqual(events.scaleDown, [up(2, 0)]);
  });
});
