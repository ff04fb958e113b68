// `turtle decide review`: each prediction against what the store has observed since the record's date.
import type { Prediction } from './types.js';

export interface Observation {
  metric: string;
  site: string;
  value: number;
  /** ISO time */
  at: string;
}

export type Verdict = 'held' | 'broken' | 'no data';

export interface PredictionReview {
  prediction: Prediction;
  verdict: Verdict;
  observations: number;
  /** the observation furthest on the wrong side (or nearest to breaking when held) */
  worst?: Observation;
}

/** A prediction holds when every observation since `since` satisfies it; one violation breaks it. */
export function reviewPredictions(predictions: readonly Prediction[], observations: readonly Observation[], since: string): PredictionReview[] {
  return predictions.map((prediction) => {
    const seen = observations.filter((o) => o.metric === prediction.metric && o.site === prediction.site && o.at >= since);
    if (seen.length === 0) return { prediction, verdict: 'no data', observations: 0 };
    const badness = (o: Observation): number => (prediction.op === '<=' ? o.value - prediction.value : prediction.value - o.value);
    const worst = seen.reduce((a, o) => (badness(o) > badness(a) ? o : a));
    return { prediction, verdict: badness(worst) > 0 ? 'broken' : 'held', observations: seen.length, worst };
  });
}

export function renderReview(reviews: readonly PredictionReview[]): string {
  return reviews.map((r) => {
    const { prediction: p } = r;
    if (r.verdict === 'no data') return `${r.verdict.padEnd(8)}[${p.id}] ${p.text}: nothing observed for ${p.metric} on ${p.site} yet`;
    const worst = r.worst!;
    return `${r.verdict.padEnd(8)}[${p.id}] ${p.text}: worst of ${r.observations} observations ${worst.value} at ${worst.at}`;
  }).join('\n') + '\n';
}
