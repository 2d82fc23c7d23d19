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
 * The shuffle's draws: for each of `count` open tasks (in id order), the index of its new
 * assignee among `candidates` popugs, uniformly random. The shuffle's SQL takes popug `i` of the
 * id-ordered candidates for a draw `i` (`shuffleOpenTasks`), as `reshuffle` below does.
 */
export function drawAssignees(count: number, candidates: number, random: RandomSource): number[] {
  if (count === 0) return [];
  if (candidates === 0) throw failedPrecondition('There is no popug to assign the task to');
  return Array.from({ length: count }, () => {
    const draw = random.intBetween(0, candidates - 1);
    if (!Number.isInteger(draw) || draw < 0 || draw >= candidates)
      throw new Error('random source returned an index out of range');
    return draw;
  });
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
  const draws = drawAssignees(open.length, candidates.length, random);
  return open.map((task, i) => ({
    taskId: task.id,
    assigneeId: candidates[draws[i]!]!,
    previousAssigneeId: task.assigneeId,
    assignmentNo: task.assignmentCount + 1,
  }));
}
