import type { VersionSummary } from '../../../functions/shared/secret-store';
import { abandonedRotations } from '../../../functions/strategies/abandoned-rotations';

const at = (minute: number) => new Date(Date.UTC(2026, 11, 7, 12, minute));
const version = (versionId: string, minute: number, ...stages: string[]): VersionSummary => ({
  versionId,
  stages,
  createdAt: at(minute),
});

describe('abandoned rotations: versions given up before they became AWSCURRENT', () => {
  it('are the unlabelled versions newer than AWSCURRENT, this rotation excluded, oldest first', () => {
    const versions = [
      version('this', 30, 'AWSPENDING'),
      version('given-up-2', 20),
      version('given-up-1', 10),
      version('current', 5, 'AWSCURRENT'),
      version('previous', 3, 'AWSPREVIOUS'),
      version('old', 1),
    ];
    expect(abandonedRotations(versions, 'this')).toEqual([
      { versionId: 'given-up-1', startedAt: at(10) },
      { versionId: 'given-up-2', startedAt: at(20) },
    ]);
  });

  it('a version that AWSCURRENT has moved past (a newer current) may have been current: not abandoned', () => {
    // An operator put a value by hand after the rotation began: the rotation's version may have been current.
    const versions = [version('put-by-hand', 20, 'AWSCURRENT'), version('rotation', 10), version('older', 5)];
    expect(abandonedRotations(versions, 'next')).toEqual([]);
  });

  it('a rolled-back version keeps AWSPREVIOUS, and a version still pending is not given up', () => {
    const rolledBack = [version('rolled-back', 10, 'AWSPREVIOUS'), version('current', 5, 'AWSCURRENT')];
    expect(abandonedRotations(rolledBack, 'next')).toEqual([]);
    const stuck = [version('stuck', 10, 'AWSPENDING'), version('current', 5, 'AWSCURRENT')];
    expect(abandonedRotations(stuck, 'next')).toEqual([]);
  });

  it('without a dated AWSCURRENT nothing can be proven abandoned', () => {
    expect(abandonedRotations([version('given-up', 10)], 'next')).toEqual([]);
    const undated: VersionSummary = { versionId: 'current', stages: ['AWSCURRENT'] };
    expect(abandonedRotations([version('given-up', 10), undated], 'next')).toEqual([]);
  });
});
