import { failedPrecondition, type RandomSource } from '@ates/service-kit';

export { isAssignable, UNASSIGNABLE_ROLES } from './task.ts';

/** A uniformly random popug of `candidates`; none → FAILED_PRECONDITION. */
export function pickAssignee(candidates: readonly string[], random: RandomSource): string {
  if (candidates.length === 0) throw failedPrecondition('There is no popug to assign the task to');
  const chosen = candidates[random.intBetween(0, candidates.length - 1)];
  if (chosen === undefined) throw new Error('random source returned an index out of range');
  return chosen;
}

export interface OpenTask {
  id: string;
  assigneeId: string;
  assignmentCount: number;
}

export interface Reassignment {
  taskId: string;
  assigneeId: string;
  previousAssigneeId: string;
  assignmentNo: number;
}

/**
 * Every open task goes to a uniformly random assignable popug, possibly the same one: each is
 * a new assignment (accounting charges the fee again), numbered after the task's last one.
 */
export function reshuffle(
  open: readonly OpenTask[],
  candidates: readonly string[],
  random: RandomSource,
): Reassignment[] {
  if (open.length === 0) return [];
  return open.map((task) => ({
    taskId: task.id,
    assigneeId: pickAssignee(candidates, random),
    previousAssigneeId: task.assigneeId,
    assignmentNo: task.assignmentCount + 1,
  }));
}
