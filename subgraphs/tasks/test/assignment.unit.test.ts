import { describe, expect, it } from 'vitest';
import { DomainError, seededRandom, type Role } from '@ates/service-kit';
import { isAssignable, pickAssignee, reshuffle } from '../src/domain/assignment.ts';

const ROLES: Role[] = ['ADMIN', 'MANAGER', 'ACCOUNTANT', 'WORKER'];

describe('random assignment (property)', () => {
  it('over many creations and shuffles never lands on an ADMIN or MANAGER, and reaches every assignable popug roughly uniformly', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = seededRandom(seed);
      const company = Array.from({ length: 12 }, (_, i) => ({
        id: `u${i}`,
        role: ROLES[(i * 7 + seed) % 4]!,
      }));
      const candidates = company.filter((u) => isAssignable(u.role)).map((u) => u.id);
      const forbidden = new Set(company.filter((u) => !isAssignable(u.role)).map((u) => u.id));
      const counts = new Map(candidates.map((id) => [id, 0]));
      let open = Array.from({ length: 300 }, (_, i) => ({
        id: `t${i}`,
        assigneeId: pickAssignee(candidates, random),
        assignmentCount: 1,
      }));
      for (let round = 0; round < 10; round++) {
        const moves = reshuffle(open, candidates, random);
        for (const m of moves) {
          expect(forbidden.has(m.assigneeId)).toBe(false);
          counts.set(m.assigneeId, (counts.get(m.assigneeId) ?? 0) + 1);
        }
        open = moves.map((m) => ({
          id: m.taskId,
          assigneeId: m.assigneeId,
          assignmentCount: m.assignmentNo,
        }));
      }
      const expected = 3000 / candidates.length;
      for (const [, n] of counts) {
        expect(n).toBeGreaterThan(expected * 0.75);
        expect(n).toBeLessThan(expected * 1.25);
      }
    }
  });

  it('numbers each reassignment after the task’s previous one and remembers the previous assignee', () => {
    const moves = reshuffle([{ id: 't', assigneeId: 'a', assignmentCount: 4 }], ['b'], seededRandom(1));
    expect(moves).toEqual([{ taskId: 't', assigneeId: 'b', previousAssigneeId: 'a', assignmentNo: 5 }]);
  });

  it('may land a task on its current assignee again (uniform over everyone)', () => {
    const random = seededRandom(7);
    const same = Array.from(
      { length: 200 },
      () => reshuffle([{ id: 't', assigneeId: 'a', assignmentCount: 1 }], ['a', 'b'], random)[0]!,
    ).filter((m) => m.assigneeId === 'a').length;
    expect(same).toBeGreaterThan(60);
    expect(same).toBeLessThan(140);
  });

  it('fails with FAILED_PRECONDITION when nobody is assignable', () => {
    expect(() => pickAssignee([], seededRandom(1))).toThrowError(DomainError);
    try {
      pickAssignee([], seededRandom(1));
    } catch (error) {
      expect((error as DomainError).code).toBe('FAILED_PRECONDITION');
    }
  });

  it('treats only ACCOUNTANT and WORKER as assignable', () => {
    expect(ROLES.filter(isAssignable)).toEqual(['ACCOUNTANT', 'WORKER']);
  });
});
