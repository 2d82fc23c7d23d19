import type { Cents, RandomSource } from '@ates/service-kit';

/** docs/business-rules.md#prices: the fee is uniform in [10.00, 20.00], the reward in [20.00, 40.00], in whole cents. */
export const FEE_RANGE = { min: 10_00, max: 20_00 } as const;
export const REWARD_RANGE = { min: 20_00, max: 40_00 } as const;

export interface TaskPrice {
  /** What each assignment costs the assignee (positive cents). */
  assignFee: Cents;
  /** What completing the task pays the assignee (positive cents). */
  reward: Cents;
}

/** A task's prices, drawn once when accounting first sees the task. */
export function priceTask(random: RandomSource): TaskPrice {
  const assignFee = random.intBetween(FEE_RANGE.min, FEE_RANGE.max);
  const reward = random.intBetween(REWARD_RANGE.min, REWARD_RANGE.max);
  return { assignFee, reward };
}
