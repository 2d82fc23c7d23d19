import { describe, expect, it } from 'vitest';
import { describeTransaction } from './account-view.tsx';

describe('audit log descriptions', () => {
  it("writes out a payout's day", () => {
    expect(describeTransaction({ kind: 'PAYOUT', description: 'Payout for 2026-11-24' })).toBe(
      'Payout for Tue, 24 Nov 2026',
    );
  });

  it('leaves any other description as the API sent it', () => {
    expect(describeTransaction({ kind: 'PAYOUT', description: 'Manual payout' })).toBe('Manual payout');
    expect(describeTransaction({ kind: 'ASSIGN_FEE', description: 'Payout for 2026-11-24' })).toBe(
      'Payout for 2026-11-24',
    );
  });
});
